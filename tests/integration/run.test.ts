import { readFile } from "node:fs/promises";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerAs } from "../people";
import { FsArtifactStore } from "../../server/artifacts/fs-store";
import { closeDb, getDb } from "../../server/db/client";
import { artifacts, runSteps, runs } from "../../server/db/schema";
import { env } from "../../lib/env";
import { checkHealth } from "../../server/services/health";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, type WorkerProcess } from "../helpers";

describe("a pipeline run on a real worker", () => {
  let worker: WorkerProcess;
  const api = callerAs("admin");

  beforeAll(async () => {
    worker = await spawnWorkerProcess("test-worker-run");
  });
  afterAll(async () => {
    await worker.stop();
    await closeTemporalClient();
    await closeDb();
  });

  it("reports the worker polling the cpu queue in the health check", async () => {
    const health = await checkHealth(getDb);
    expect(health.status).toBe("ok");
    expect(health.database.ok).toBe(true);
    expect(health.temporal.ok).toBe(true);
    const cpu = health.queues.find((q) => q.queue === "cpu");
    expect(cpu?.workers.map((w) => w.identity)).toContain("test-worker-run");
  });

  it("saves the sample through tRPC, runs it, and records every step in Postgres", async () => {
    const document = JSON.parse(await readFile("examples/hello.pipeline.json", "utf8")) as unknown;
    const saved = await api.pipelines.save({ document });
    expect(saved.version).toBe(1);
    const again = await api.pipelines.save({ pipelineId: saved.pipelineId, document });
    expect(again).toMatchObject({ version: 1, created: false });

    const { runId, workflowId } = await api.runs.start({
      pipelineId: saved.pipelineId,
      cache: false,
    });
    const summary = await waitForRun(await getTemporalClient(), workflowId);
    expect(summary.status).toBe("succeeded");

    const run = await api.runs.get({ runId });
    expect(run.status).toBe("succeeded");
    expect(run.startedAt).not.toBeNull();
    expect(run.finishedAt).not.toBeNull();
    expect(run.steps.map((s) => [s.stepId, s.status, s.attempts, s.workerIdentity])).toEqual([
      ["numbers", "succeeded", 1, "test-worker-run"],
      ["wait", "succeeded", 1, "test-worker-run"],
      ["sum", "succeeded", 1, "test-worker-run"],
    ]);
    for (const s of run.steps)
      expect(s.finishedAt!.getTime()).toBeGreaterThanOrEqual(s.startedAt!.getTime());

    // The artifacts are real, content-addressed, and the sum adds up.
    const store = new FsArtifactStore(env().artifactDir);
    const numbersRef = (run.steps[0]!.outputs as Record<string, { hash: string }>).numbers!;
    const summaryRef = (run.steps[2]!.outputs as Record<string, { hash: string }>).summary!;
    const numbers = JSON.parse((await store.get(numbersRef.hash)).toString()) as number[];
    const result = JSON.parse((await store.get(summaryRef.hash)).toString()) as {
      sum: number;
      count: number;
    };
    expect(numbers).toHaveLength(100);
    expect(result).toEqual({ count: 100, sum: numbers.reduce((a, b) => a + b, 0) });
    // One row per content hash: the first run that produced these bytes owns the row.
    const rows = await getDb()
      .select()
      .from(artifacts)
      .where(inArray(artifacts.hash, [numbersRef.hash, summaryRef.hash]));
    expect(rows.map((r) => [r.hash, r.kind]).sort()).toEqual(
      [
        [numbersRef.hash, "json"],
        [summaryRef.hash, "metrics"],
      ].sort(),
    );
  });

  it("fails a step after its retries, skips what depends on it, and finishes independent branches", async () => {
    const document = pipelineDoc(
      "failing",
      [
        { id: "source", type: "internal.numbers", params: { count: 5 } },
        {
          id: "broken",
          type: "internal.sleep",
          params: { ms: 0, failTimes: 99 },
          runtime: { retries: 2 },
        },
        { id: "after", type: "internal.sum" },
        { id: "side", type: "internal.sum" },
      ],
      [
        { source: "source", sourcePort: "numbers", target: "broken", targetPort: "in" },
        { source: "broken", sourcePort: "out", target: "after", targetPort: "numbers" },
        { source: "source", sourcePort: "numbers", target: "side", targetPort: "numbers" },
      ],
    );
    const saved = await api.pipelines.save({ document });
    const { runId, workflowId } = await api.runs.start({
      pipelineId: saved.pipelineId,
      cache: false,
    });
    const summary = await waitForRun(await getTemporalClient(), workflowId);
    expect(summary.status).toBe("failed");

    const [run] = await getDb().select().from(runs).where(eq(runs.id, runId));
    expect(run?.status).toBe("failed");
    expect(run?.error).toContain("Step broken failed");
    expect(run?.error).toContain("injected failure");
    const steps = Object.fromEntries(
      (await getDb().select().from(runSteps).where(eq(runSteps.runId, runId))).map((s) => [
        s.stepId,
        s,
      ]),
    );
    expect(steps.source?.status).toBe("succeeded");
    expect(steps.side?.status).toBe("succeeded");
    expect(steps.broken?.status).toBe("failed");
    expect(steps.broken?.attempts).toBe(3);
    expect(steps.broken?.error).toContain("injected failure on attempt 3");
    expect(steps.after?.status).toBe("skipped");
  });

  it("rejects an invalid pipeline with structured errors and saves nothing", async () => {
    const before = await api.pipelines.list();
    await expect(
      api.pipelines.save({ document: pipelineDoc("bad", [{ id: "x", type: "no.such.node" }]) }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining('unknown type "no.such.node"') as string,
    });
    expect(await api.pipelines.list()).toHaveLength(before.length);
  });
});
