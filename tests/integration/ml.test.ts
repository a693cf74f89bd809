import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callerAs } from "../people";
import { closeDb } from "../../server/db/client";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, type WorkerProcess } from "../helpers";

const api = callerAs("admin");

/**
 * Ingest, prep, train (boosted trees; an MLP sent to the gpu queue), tune with parallel trials
 * over two workers, evaluate the exported ONNX model on raw test rows and explain it: one real
 * pipeline on real workers.
 */
describe("train, tune and evaluate on real workers", () => {
  const workers: WorkerProcess[] = [];
  let sql: postgres.Sql;
  beforeAll(async () => {
    // Two slots per cpu worker and three parallel trials: the trials cannot all fit on one worker.
    const limited = { WORKER_MAX_CONCURRENT_ACTIVITIES: "2" };
    workers.push(
      ...(await Promise.all([
        spawnWorkerProcess("ml-a", { env: limited }),
        spawnWorkerProcess("ml-b", { env: limited }),
        spawnWorkerProcess("ml-gpu", { queues: "gpu", env: { WORKER_FORCE_GPU_QUEUE: "1" } }),
      ])),
    );
    sql = postgres(inject("databaseUrl"), { max: 1 });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await sql.end();
    await closeTemporalClient();
    await closeDb();
  });

  it("runs the whole loop and tracks every trial", async () => {
    const prepPorts = (from: string, to: string) =>
      ["train", "validation", "test"].map((port) => ({
        source: from,
        sourcePort: port,
        target: to,
        targetPort: port,
      }));
    const nodes = [
      { id: "raw", type: "ingest.sample", params: { dataset: "penguins" } },
      {
        id: "split",
        type: "prep.split",
        params: { method: "stratified", column: "species", validation: 0.2, test: 0.2, seed: 3 },
      },
      { id: "impute", type: "prep.impute", params: { strategy: "mean" } },
      { id: "encode", type: "prep.encode", params: { method: "onehot", exclude: ["species"] } },
      { id: "scale", type: "prep.scale", params: { method: "standard" } },
      { id: "gbdt", type: "train.gbdt", params: { label: "species", trees: 30 } },
      {
        id: "mlp",
        type: "train.mlp",
        params: { label: "species", hidden: [16], epochs: 30, learningRate: 0.01 },
        runtime: { gpu: true },
      },
      {
        id: "tune",
        type: "tune.search",
        params: {
          algorithm: "logistic",
          label: "species",
          strategy: "random",
          trials: 6,
          parallelism: 3,
          metric: "accuracy",
          fixed: { epochs: 150 },
        },
      },
      { id: "eval", type: "evaluate.model", params: {} },
      { id: "explain", type: "evaluate.explain", params: { repeats: 2 } },
    ];
    const trainEdges = (to: string) => [
      { source: "scale", sourcePort: "train", target: to, targetPort: "train" },
      { source: "scale", sourcePort: "validation", target: to, targetPort: "validation" },
    ];
    const edges = [
      { source: "raw", sourcePort: "dataset", target: "split", targetPort: "input" },
      ...prepPorts("split", "impute"),
      ...prepPorts("impute", "encode"),
      ...prepPorts("encode", "scale"),
      ...trainEdges("gbdt"),
      ...trainEdges("mlp"),
      ...trainEdges("tune"),
      { source: "gbdt", sourcePort: "model", target: "eval", targetPort: "model" },
      { source: "split", sourcePort: "test", target: "eval", targetPort: "test" },
      { source: "tune", sourcePort: "model", target: "explain", targetPort: "model" },
      { source: "split", sourcePort: "test", target: "explain", targetPort: "test" },
    ];
    const saved = await api.pipelines.save({
      document: pipelineDoc(`ml ${crypto.randomUUID()}`, nodes, edges),
    });
    const { runId, workflowId } = await api.runs.start({
      pipelineId: saved.pipelineId,
      cache: false,
    });
    await waitForRun(await getTemporalClient(), workflowId);
    const run = await api.runs.get({ runId });
    const failed = run.steps.filter((s) => s.status !== "succeeded");
    expect(failed.map((s) => `${s.stepId}: ${s.error}`)).toEqual([]);
    expect(run.status).toBe("succeeded");

    const step = (id: string) => run.steps.find((s) => s.stepId === id)!;
    expect(step("mlp").taskQueue).toBe("gpu");
    expect(step("mlp").workerIdentity).toBe("ml-gpu");

    const evaluated = (await api.artifacts.json({
      hash: (step("eval").outputs as Record<string, { hash: string }>).metrics!.hash,
    })) as { test: { accuracy: number; rows: number; confusion: { classes: string[] } } };
    const test = evaluated.test;
    expect(test.rows).toBeGreaterThan(50);
    expect(test.accuracy).toBeGreaterThan(0.9);
    expect(test.confusion.classes).toEqual(["Adelie", "Chinstrap", "Gentoo"]);

    const trials = await sql<
      { trial: number; worker_identity: string; score: { value: number } }[]
    >`
      select trial, worker_identity, score from experiments
      where run_id = ${runId} and step_id = 'tune' and trial >= 0 order by trial`;
    expect(trials.map((t) => t.trial)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(trials.map((t) => t.worker_identity)).size).toBe(2);
    const tracked = (await api.experiments.forRun({ runId })).filter((e) => e.trial === -1);
    expect(tracked.map((t) => t.stepId)).toEqual(["eval", "gbdt", "mlp", "tune"]);
    expect(tracked.find((t) => t.stepId === "gbdt")!.curve.length).toBeGreaterThan(5);
  }, 600_000);
});
