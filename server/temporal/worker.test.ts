import { describe, expect, it } from "vitest";
import { pollableQueues } from "./worker";

describe("the queues a worker polls", () => {
  it("adds python where code nodes can run, and drops what the machine cannot do", () => {
    expect(pollableQueues(["cpu", "gpu"], { gpu: false, python: true })).toEqual({
      queues: ["cpu", "python"],
      skipped: ["no GPU: none detected (not polling the gpu queue)"],
    });
    expect(
      pollableQueues(["cpu", "gpu"], {
        gpu: false,
        python: false,
        noGpuReason: "cuda: CUDA libraries not installed",
      }).skipped,
    ).toEqual(["no GPU: cuda: CUDA libraries not installed (not polling the gpu queue)"]);
    expect(pollableQueues(["cpu", "gpu"], { gpu: true, python: false }).queues).toEqual([
      "cpu",
      "gpu",
    ]);
    expect(pollableQueues(["gpu"], { gpu: true, python: true }).queues).toEqual(["gpu"]);
    const noPython = pollableQueues(["python"], { gpu: false, python: false });
    expect(noPython.queues).toEqual([]);
    expect(noPython.skipped[0]).toMatch(/not polling python/);
  });
});
