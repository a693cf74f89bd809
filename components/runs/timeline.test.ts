import { describe, expect, it } from "vitest";
import { timelineBars } from "./timeline";

describe("timelineBars", () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

  it("scales queue waits and executions to the whole run", () => {
    const { bars, totalMs } = timelineBars([
      { stepId: "a", status: "succeeded", queuedAt: at(0), startedAt: at(1), finishedAt: at(5) },
      { stepId: "b", status: "failed", queuedAt: at(5), startedAt: at(6), finishedAt: at(10) },
      { stepId: "c", status: "skipped", queuedAt: null, startedAt: null, finishedAt: null },
    ]);
    expect(totalMs).toBe(10_000);
    expect(bars[0]).toMatchObject({ queued: { left: 0, width: 10 }, ran: { left: 10, width: 40 } });
    expect(bars[1]).toMatchObject({
      queued: { left: 50, width: 10 },
      ran: { left: 60, width: 40 },
    });
    expect(bars[2]).toMatchObject({ queued: null, ran: null, label: "skipped" });
  });

  it("runs a step that is still going up to now", () => {
    const now = new Date(at(20)).getTime();
    const { bars, totalMs } = timelineBars(
      [{ stepId: "a", status: "running", queuedAt: at(0), startedAt: at(10), finishedAt: null }],
      now,
    );
    expect(totalMs).toBe(20_000);
    expect(bars[0]).toMatchObject({ ran: { left: 50, width: 50 }, label: "10.0 s" });
  });

  it("draws nothing before any step was queued", () => {
    expect(
      timelineBars([
        { stepId: "a", status: "pending", queuedAt: null, startedAt: null, finishedAt: null },
      ]),
    ).toEqual({ bars: [], totalMs: 0 });
  });
});
