import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Worker } from "@temporalio/worker";
import { describe, expect, it } from "vitest";
import { workflowsPath } from "../server/temporal/worker";

const dir = path.join(import.meta.dirname, "histories");
const files = (await readdir(dir)).filter((f) => f.endsWith(".history.json")).sort();

describe("workflow determinism", () => {
  it("has committed histories to replay", () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)("replays %s without a non-determinism error", async (file) => {
    const history = JSON.parse(await readFile(path.join(dir, file), "utf8")) as unknown;
    await expect(Worker.runReplayHistory({ workflowsPath }, history)).resolves.toBeUndefined();
  });
});
