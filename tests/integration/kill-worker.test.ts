import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { callerAs } from "../people";
import { closeDb, getDb } from "../../server/db/client";
import { runSteps } from "../../server/db/schema";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, waitFor, type WorkerProcess } from "../helpers";

describe("a worker killed during a step", () => {
  const started: WorkerProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((w) => w.stop()));
    await closeTemporalClient();
    await closeDb();
  });

  it("is replaced by a new worker, which finishes the run", async () => {
    const first = await spawnWorkerProcess("doomed-worker");
    started.push(first);
    const api = callerAs("admin");
    const saved = await api.pipelines.save({
      document: pipelineDoc(
        "survives a crash",
        [
          { id: "numbers", type: "internal.numbers", params: { count: 10 } },
          { id: "long", type: "internal.sleep", params: { ms: 6000 } },
          { id: "sum", type: "internal.sum" },
        ],
        [
          { source: "numbers", sourcePort: "numbers", target: "long", targetPort: "in" },
          { source: "long", sourcePort: "out", target: "sum", targetPort: "numbers" },
        ],
      ),
    });
    const { runId, workflowId } = await api.runs.start({
      pipelineId: saved.pipelineId,
      cache: false,
    });

    const where = and(eq(runSteps.runId, runId), eq(runSteps.stepId, "long"));
    await waitFor("the long step to run on the first worker", async () => {
      const [step] = await getDb().select().from(runSteps).where(where);
      return (
        step?.status === "running" &&
        step.workerIdentity === "doomed-worker" &&
        step.progress !== null
      );
    });
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));

    const second = await spawnWorkerProcess("rescue-worker");
    started.push(second);
    const summary = await waitForRun(await getTemporalClient(), workflowId);
    expect(summary.status).toBe("succeeded");

    const run = await api.runs.get({ runId });
    const long = run.steps.find((s) => s.stepId === "long")!;
    expect(long.status).toBe("succeeded");
    expect(long.attempts).toBeGreaterThanOrEqual(2);
    expect(long.workerIdentity).toBe("rescue-worker");
    expect(run.steps.find((s) => s.stepId === "sum")?.status).toBe("succeeded");
    expect(run.status).toBe("succeeded");
  });
});
