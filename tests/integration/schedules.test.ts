import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerAs } from "../people";
import { closeDb } from "../../server/db/client";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, waitFor, type WorkerProcess } from "../helpers";

const api = callerAs("admin");

describe("pipeline schedules (Temporal Schedules)", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await spawnWorkerProcess("schedules-worker");
  }, 120_000);
  afterAll(async () => {
    await worker.stop();
    await closeTemporalClient();
    await closeDb();
  });

  it("creates, lists, fires (recorded like any run), pauses and deletes a schedule", async () => {
    const saved = await api.pipelines.save({
      document: pipelineDoc(
        `scheduled ${crypto.randomUUID()}`,
        [
          { id: "a", type: "internal.numbers", params: { count: 4 } },
          { id: "b", type: "internal.sum" },
        ],
        [{ source: "a", sourcePort: "numbers", target: "b", targetPort: "numbers" }],
      ),
    });
    await expect(
      api.schedules.create({ pipelineId: saved.pipelineId, cron: "every day at 6" }),
    ).rejects.toThrow(/cron "every day at 6": expected five fields/);
    const created = await api.schedules.create({ pipelineId: saved.pipelineId, cron: "0 6 * * *" });
    expect(created.paused).toBe(false);
    expect(new Date(created.nextRuns[0]!).getUTCHours()).toBe(6);
    const listed = await api.schedules.list({ pipelineId: saved.pipelineId });
    expect(listed.map((s) => s.scheduleId)).toEqual([created.scheduleId]);

    const client = await getTemporalClient();
    await client.schedule.getHandle(created.scheduleId).trigger();
    const run = await waitFor(
      "the scheduled run",
      async () =>
        (await api.runs.list({ pipelineId: saved.pipelineId })).find(
          (r) => r.trigger === "schedule",
        ),
      60_000,
    );
    // The schedule's start records the run before it starts the run's workflow (a keyed start
    // that a retry completes), so the row can be seen a moment before the workflow exists.
    await waitFor(
      "the scheduled run's workflow",
      () =>
        client.workflow
          .getHandle(run.workflowId)
          .describe()
          .then(
            () => true,
            () => undefined,
          ),
      60_000,
    );
    await waitForRun(client, run.workflowId);
    expect((await api.runs.get({ runId: run.id })).status).toBe("succeeded");

    const paused = await api.schedules.pause({ scheduleId: created.scheduleId, paused: true });
    expect(paused.paused).toBe(true);
    await api.schedules.delete({ scheduleId: created.scheduleId });
    expect(await api.schedules.list({ pipelineId: saved.pipelineId })).toEqual([]);
    await expect(api.schedules.delete({ scheduleId: created.scheduleId })).rejects.toThrow(
      /no schedule/,
    );
  }, 120_000);
});
