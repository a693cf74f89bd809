import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipelineDoc } from "../helpers";
import { callerAs } from "../people";
import {
  duplicateRows,
  runFinished,
  startFaultStack,
  unfinishedSteps,
  untilSteps,
  verifyArtifacts,
  writeCsv,
  type FaultStack,
} from "./harness";

/** A file → split → boosted trees (a few seconds) → deploy (registers a version), a sleep beside. */
function trainAndDeploy(name: string, endpoint: string) {
  return pipelineDoc(
    name,
    [
      { id: "raw", type: "ingest.file", params: { path: "train.csv" } },
      { id: "split", type: "prep.split", params: { validation: 0.2, test: 0.1, seed: 3 } },
      {
        id: "gbdt",
        type: "train.gbdt",
        params: {
          label: "y",
          exclude: ["group"],
          trees: 150,
          earlyStoppingRounds: 0,
          maxLeaves: 15,
        },
      },
      { id: "deploy", type: "deploy.endpoint", params: { endpoint } },
      { id: "numbers", type: "internal.numbers", params: { count: 5 } },
      { id: "sleep", type: "internal.sleep", params: { ms: 5000 } },
      { id: "sum", type: "internal.sum" },
    ],
    [
      { source: "raw", sourcePort: "dataset", target: "split", targetPort: "input" },
      { source: "split", sourcePort: "train", target: "gbdt", targetPort: "train" },
      { source: "split", sourcePort: "validation", target: "gbdt", targetPort: "validation" },
      { source: "gbdt", sourcePort: "model", target: "deploy", targetPort: "model" },
      { source: "split", sourcePort: "train", target: "deploy", targetPort: "reference" },
      { source: "numbers", sourcePort: "numbers", target: "sleep", targetPort: "in" },
      { source: "sleep", sourcePort: "out", target: "sum", targetPort: "numbers" },
    ],
  );
}

async function assertWhole(stack: FaultStack, runId: string, endpoint: string) {
  expect(await unfinishedSteps(stack.sql, runId)).toEqual([]);
  const versions = await stack.sql<{ version: number }[]>`
    select v.version from model_versions v join models m on m.id = v.model_id
    where m.name = ${endpoint}`;
  expect(versions.map((v) => v.version)).toEqual([1]);
  expect(await duplicateRows(stack.sql, [runId])).toEqual([]);
  const store = await verifyArtifacts(stack.sql, stack.artifactDir);
  expect(store.problems).toEqual([]);
  expect(store.tmpFiles).toEqual([]);
}

/**
 * The servers restart under a running pipeline, each on its own port with its own data, as an
 * operator's restart (or a crash and a supervisor) would: the worker reconnects, and whatever
 * failed while a server was away is retried.
 */
describe("infrastructure restarted during a run", () => {
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startFaultStack("restart");
    await writeCsv(path.join(stack.dataDir, "files", "train.csv"), 30_000);
    await stack.spawnWorker("steady");
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Starts a train-and-deploy run and returns once training and the sleep are under way. */
  async function startTraining(what: string) {
    const api = callerAs("admin");
    const saved = await api.pipelines.save({
      document: trainAndDeploy(`faults: ${what} restart`, `faults-${what}`),
    });
    const { runId } = await api.runs.start({ pipelineId: saved.pipelineId, cache: false });
    await untilSteps(
      stack.sql,
      runId,
      "training and the sleep to be under way",
      ({ gbdt, sleep }) =>
        gbdt?.status === "running" && gbdt.progress !== null && sleep?.status === "running",
    );
    return runId;
  }

  it("the Temporal dev server: the worker reconnects and the run succeeds", async () => {
    const runId = await startTraining("temporal");
    await stack.restartTemporal(2000);

    const run = await runFinished(stack.sql, runId);
    expect(await unfinishedSteps(stack.sql, runId)).toEqual([]);
    expect(run).toEqual({ status: "succeeded", error: null });
    await assertWhole(stack, runId, "faults-temporal");
  }, 240_000);

  it("PostgreSQL: writes that met the outage are retried and the run succeeds", async () => {
    const runId = await startTraining("postgres");
    // Down long enough that training, the sleep, their results and the next steps' starts all
    // meet the outage.
    const down = new Date();
    await stack.restartPostgres(6000);

    const run = await runFinished(stack.sql, runId);
    expect(await unfinishedSteps(stack.sql, runId)).toEqual([]);
    expect(run).toEqual({ status: "succeeded", error: null });
    // Training ended while the database was away: its writes waited, and cost no attempt.
    const [gbdt] = await stack.sql<{ attempts: number; finished_at: Date }[]>`
      select attempts, finished_at from run_steps where run_id = ${runId} and step_id = 'gbdt'`;
    expect(gbdt!.attempts).toBe(1);
    expect(gbdt!.finished_at.getTime()).toBeGreaterThan(down.getTime() + 5000);
    await assertWhole(stack, runId, "faults-postgres");
  }, 240_000);
});
