import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, newWorkspace, principalAs } from "../people";
import { closeDb } from "../../server/db/client";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, type WorkerProcess } from "../helpers";

type Caller = ReturnType<typeof callerFor>;

/** One task, two pipelines: the same data and split, trainers and evaluations under other ids. */
const taskDoc = (name: string, ids: { train: string; eval: string }, trainer: string) =>
  pipelineDoc(
    name,
    [
      { id: "raw", type: "ingest.sample", params: { dataset: "penguins" } },
      {
        id: "split",
        type: "prep.split",
        params: { method: "stratified", column: "species", seed: 5 },
      },
      { id: "impute", type: "prep.impute", params: { strategy: "mean" } },
      { id: "encode", type: "prep.encode", params: { method: "onehot", exclude: ["species"] } },
      {
        id: ids.train,
        type: trainer,
        params:
          trainer === "train.gbdt"
            ? { label: "species", trees: 15, minDataInLeaf: 5 }
            : { label: "species", epochs: 30 },
      },
      { id: ids.eval, type: "evaluate.model", params: {} },
    ],
    [
      { source: "raw", sourcePort: "dataset", target: "split", targetPort: "input" },
      ...["train", "validation", "test"].flatMap((port) => [
        { source: "split", sourcePort: port, target: "impute", targetPort: port },
        { source: "impute", sourcePort: port, target: "encode", targetPort: port },
      ]),
      { source: "encode", sourcePort: "train", target: ids.train, targetPort: "train" },
      { source: "encode", sourcePort: "validation", target: ids.train, targetPort: "validation" },
      { source: ids.train, sourcePort: "model", target: ids.eval, targetPort: "model" },
      { source: "split", sourcePort: "test", target: ids.eval, targetPort: "test" },
    ],
  );

describe("overviews that are right: key metrics that survive caching, comparison by task", () => {
  let worker: WorkerProcess;
  let api: Caller;
  const ids = {} as { a1: string; a2: string; b1: string; a: string; b: string };

  beforeAll(async () => {
    worker = await spawnWorkerProcess("test-worker-overviews");
    const ws = await newWorkspace("Overviews");
    api = callerFor(await principalAs("manager", ws.id));
    const run = async (pipelineId: string) => {
      const r = await api.runs.start({ pipelineId });
      await waitForRun(await getTemporalClient(), r.workflowId);
      return r.runId;
    };
    ids.a = (
      await api.pipelines.save({
        document: taskDoc("penguins trees", { train: "train", eval: "eval" }, "train.gbdt"),
      })
    ).pipelineId;
    ids.b = (
      await api.pipelines.save({
        document: taskDoc("penguins logistic", { train: "gbdt", eval: "model" }, "train.logistic"),
      })
    ).pipelineId;
    ids.a1 = await run(ids.a);
    ids.a2 = await run(ids.a);
    ids.b1 = await run(ids.b);
  }, 600_000);

  afterAll(async () => {
    await worker.stop();
    await closeTemporalClient();
    await closeDb();
  });

  it("headlines each run with its test metric, also when every step was cached", async () => {
    const { rows } = await api.history.runs();
    const row = (id: string) => rows.find((r) => r.id === id)!;
    expect(row(ids.a1).status).toBe("succeeded");
    expect(row(ids.a2)).toMatchObject({ cacheHits: 6, stepCount: 6 });

    const evalOf = async (runId: string, stepId: string) =>
      (await api.experiments.forRun({ runId })).find((e) => e.stepId === stepId)!.metrics as {
        test: { accuracy: number };
      };
    const a1Test = await evalOf(ids.a1, "eval");
    expect(row(ids.a1).keyMetric).toEqual({
      name: "test accuracy",
      value: a1Test.test.accuracy,
      higherIsBetter: true,
    });
    // The cached run tracked nothing of its own; its key metric is the one it reused.
    expect(await api.experiments.forRun({ runId: ids.a2 })).toEqual([]);
    expect(row(ids.a2).keyMetric).toEqual(row(ids.a1).keyMetric);
    expect(row(ids.b1).keyMetric?.name).toBe("test accuracy");

    // The pipeline chooses another: validation log loss, lower is better.
    await api.pipelines.setKeyMetric({ pipelineId: ids.a, keyMetric: "validation.logLoss" });
    const trained = (await api.experiments.forRun({ runId: ids.a1 })).find(
      (e) => e.stepId === "train",
    )!.metrics as { validation: { logLoss: number } };
    const again = (await api.history.runs({ pipelineId: ids.a })).rows;
    for (const r of again)
      expect(r.keyMetric).toEqual({
        name: "validation logLoss",
        value: trained.validation.logLoss,
        higherIsBetter: false,
      });
    await expect(
      api.pipelines.setKeyMetric({ pipelineId: ids.a, keyMetric: "test.drop table" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await api.pipelines.keyMetric({ pipelineId: ids.a })).toMatchObject({
      keyMetric: "validation.logLoss",
    });
    await api.pipelines.setKeyMetric({ pipelineId: ids.a, keyMetric: null });
  });

  it("compares two pipelines' runs of one task side by side, though their step ids differ", async () => {
    for (const a of [ids.a1, ids.a2]) {
      const c = await api.history.compare({ runIds: [a, ids.b1] });
      const accuracy = c.metrics.find(
        (m) => m.task === "test evaluation" && m.name === "test.accuracy",
      );
      expect(accuracy?.stepIds).toEqual(["eval", "model"]);
      expect(accuracy?.values.every((v) => typeof v === "number")).toBe(true);
      const validation = c.metrics.find(
        (m) => m.task === "training" && m.name === "validation.accuracy",
      );
      expect(validation?.stepIds).toEqual(["train", "gbdt"]);
      expect(validation?.values.every((v) => typeof v === "number")).toBe(true);
      expect(c.runs.map((r) => r.keyMetric?.name)).toEqual(["test accuracy", "test accuracy"]);
    }
  });
});
