import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipelineDoc, type WorkerProcess } from "../helpers";
import { callerAs } from "../people";
import {
  duplicateRows,
  runFinished,
  startFaultStack,
  stepRow,
  unfinishedSteps,
  untilSteps,
  verifyArtifacts,
  writeCsv,
  type FaultStack,
} from "./harness";

const TRIALS = 4;

const killHard = async (worker: WorkerProcess) => {
  const exited = new Promise((resolve) => worker.child.once("exit", resolve));
  worker.child.kill("SIGKILL");
  await exited;
};

/**
 * kill -9 of the worker that runs a step, three times in one run: during ingest, then during
 * training and tuning (which run side by side). Each time a fresh worker takes over once the
 * step's heartbeat timeout expires, and the run ends as if nothing happened.
 */
describe("a worker killed with SIGKILL", () => {
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startFaultStack("kill");
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("during ingest, training and tuning: new workers finish the run, nothing twice", async () => {
    // About 16 MB: ingest takes a second or so, time enough to be killed in the middle.
    const bytes = await writeCsv(path.join(stack.dataDir, "files", "faults.csv"), 250_000);
    expect(bytes).toBeGreaterThan(10_000_000);
    const first = await stack.spawnWorker("doomed-ingest");
    const api = callerAs("admin");
    const saved = await api.pipelines.save({
      document: pipelineDoc(
        "faults: kill workers",
        [
          { id: "ingest", type: "ingest.file", params: { path: "faults.csv" } },
          // Train on a tenth of the rows (25,000), validate on another tenth.
          {
            id: "split",
            type: "prep.split",
            params: { validation: 0.1, test: 0.8, seed: 1 },
          },
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
          {
            id: "tune",
            type: "tune.search",
            params: {
              algorithm: "gbdt",
              label: "y",
              exclude: ["group"],
              trials: TRIALS,
              parallelism: 2,
              fixed: { trees: 40, earlyStoppingRounds: 0 },
            },
          },
          { id: "deploy", type: "deploy.endpoint", params: { endpoint: "faults-kill" } },
        ],
        [
          { source: "ingest", sourcePort: "dataset", target: "split", targetPort: "input" },
          ...["gbdt", "tune"].flatMap((to) => [
            { source: "split", sourcePort: "train", target: to, targetPort: "train" },
            { source: "split", sourcePort: "validation", target: to, targetPort: "validation" },
          ]),
          { source: "gbdt", sourcePort: "model", target: "deploy", targetPort: "model" },
          { source: "split", sourcePort: "train", target: "deploy", targetPort: "reference" },
        ],
      ),
    });
    const { runId } = await api.runs.start({ pipelineId: saved.pipelineId, cache: false });

    // 1. Ingest: killed as soon as its attempt is recorded, in the middle of reading the file.
    await untilSteps(
      stack.sql,
      runId,
      "ingest to start on the first worker",
      ({ ingest }) => ingest?.status === "running" && ingest.worker_identity === "doomed-ingest",
    );
    await killHard(first);
    const second = await stack.spawnWorker("doomed-train");

    // 2. Training and tuning: killed when the trees are growing and the trials are running.
    await untilSteps(
      stack.sql,
      runId,
      "training and tuning to run on the second worker",
      ({ gbdt, tune }) =>
        gbdt?.status === "running" &&
        gbdt.worker_identity === "doomed-train" &&
        (gbdt.progress?.done ?? 0) >= 5 &&
        tune?.status === "running" &&
        tune.worker_identity === "doomed-train",
    );
    const doneBeforeKill = await stack.sql`
      select trial from experiments where run_id = ${runId} and step_id = 'tune' and trial >= 0`;
    await killHard(second);
    await stack.spawnWorker("rescue");

    const run = await runFinished(stack.sql, runId);
    expect(await unfinishedSteps(stack.sql, runId)).toEqual([]);
    expect(run).toEqual({ status: "succeeded", error: null });

    const ingest = await stepRow(stack.sql, runId, "ingest");
    expect(ingest).toMatchObject({ attempts: 2, worker_identity: "doomed-train" });
    for (const id of ["gbdt", "tune"]) {
      const s = await stepRow(stack.sql, runId, id);
      expect(s, id).toMatchObject({ attempts: 2, worker_identity: "rescue", error: null });
    }

    // Tuning: each trial once, and the step's own row; no trial was started twice.
    const trials = await stack.sql<{ trial: number }[]>`
      select trial from experiments where run_id = ${runId} and step_id = 'tune' order by trial`;
    expect(trials.map((t) => t.trial)).toEqual([
      -1,
      ...Array.from({ length: TRIALS }, (_, i) => i),
    ]);
    expect(doneBeforeKill.length).toBeLessThan(TRIALS);
    // The registry: one version, registered by the deploy step.
    const versions = await stack.sql<{ version: number; artifact_hash: string }[]>`
      select v.version, v.artifact_hash from model_versions v
      join models m on m.id = v.model_id where m.name = 'faults-kill'`;
    expect(versions.map((v) => v.version)).toEqual([1]);
    const gbdt = await stack.sql<{ outputs: { model: { hash: string } } }[]>`
      select outputs from run_steps where run_id = ${runId} and step_id = 'gbdt'`;
    expect(versions[0]!.artifact_hash).toBe(gbdt[0]!.outputs.model.hash);

    expect(await duplicateRows(stack.sql, [runId])).toEqual([]);
    const store = await verifyArtifacts(stack.sql, stack.artifactDir);
    expect(store.problems).toEqual([]);
    expect(store.rows).toBeGreaterThan(5);
  }, 300_000);
});
