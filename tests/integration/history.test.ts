import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, newWorkspace, principalAs } from "../people";
import type { Principal } from "../../common/roles";
import { closeDb, getDb } from "../../server/db/client";
import {
  artifacts,
  auditLog,
  deployments,
  models,
  modelVersions,
  monitorResults,
} from "../../server/db/schema";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, waitFor, type WorkerProcess } from "../helpers";

type Caller = ReturnType<typeof callerFor>;

const sumDoc = (name: string) =>
  pipelineDoc(
    name,
    [
      { id: "numbers", type: "internal.numbers", params: { count: 20 } },
      { id: "sum", type: "internal.sum" },
    ],
    [{ source: "numbers", sourcePort: "numbers", target: "sum", targetPort: "numbers" }],
  );

const failingDoc = (name: string) =>
  pipelineDoc(
    name,
    [
      { id: "numbers", type: "internal.numbers", params: { count: 5 } },
      {
        id: "broken",
        type: "internal.sleep",
        params: { ms: 0, failTimes: 99 },
        runtime: { retries: 0 },
      },
    ],
    [{ source: "numbers", sourcePort: "numbers", target: "broken", targetPort: "in" }],
  );

const gatedDoc = (name: string) =>
  pipelineDoc(
    name,
    [
      { id: "numbers", type: "internal.numbers", params: { count: 5 } },
      { id: "gate", type: "internal.sleep", params: { ms: 0, needsApproval: true } },
    ],
    [{ source: "numbers", sourcePort: "numbers", target: "gate", targetPort: "in" }],
  );

const splits = (from: string, to: string) =>
  ["train", "validation", "test"].map((port) => ({
    source: from,
    sourcePort: port,
    target: to,
    targetPort: port,
  }));

const mlDoc = (name: string, learningRate: number) =>
  pipelineDoc(
    name,
    [
      { id: "raw", type: "ingest.sample", params: { dataset: "penguins" } },
      {
        id: "split",
        type: "prep.split",
        params: { method: "stratified", column: "species", validation: 0.2, test: 0.2, seed: 3 },
      },
      { id: "impute", type: "prep.impute", params: { strategy: "mean" } },
      { id: "encode", type: "prep.encode", params: { method: "onehot", exclude: ["species"] } },
      {
        id: "train",
        type: "train.logistic",
        params: { label: "species", epochs: 20, learningRate },
      },
    ],
    [
      { source: "raw", sourcePort: "dataset", target: "split", targetPort: "input" },
      ...splits("split", "impute"),
      ...splits("impute", "encode"),
      { source: "encode", sourcePort: "train", target: "train", targetPort: "train" },
      { source: "encode", sourcePort: "validation", target: "train", targetPort: "validation" },
    ],
  );

async function finish(workflowId: string) {
  return waitForRun(await getTemporalClient(), workflowId);
}

describe("run history, comparison and the manager's dashboard", () => {
  let worker: WorkerProcess;
  let workspaceId: string;
  let alice: Principal;
  let bob: Principal;
  let asAlice: Caller;
  let asBob: Caller;
  let asManager: Caller;
  const started = new Date(Date.now() - 1000);
  const ids = {} as {
    sum1: string;
    sum2: string;
    failed: string;
    ml1: string;
    ml2: string;
    gated: string;
    gatedWorkflow: string;
    mlPipeline: string;
    sumPipeline: string;
  };

  beforeAll(async () => {
    worker = await spawnWorkerProcess("test-worker-history");
    workspaceId = (await newWorkspace("History")).id;
    alice = await principalAs("analyst", workspaceId);
    bob = await principalAs("analyst", workspaceId);
    asAlice = callerFor(alice);
    asBob = callerFor(bob);
    asManager = callerFor(await principalAs("manager", workspaceId));

    // Alice: a small pipeline, run then rerun (all cached), and one that fails.
    const sum = await asAlice.pipelines.save({ document: sumDoc("history sum") });
    ids.sumPipeline = sum.pipelineId;
    const s1 = await asAlice.runs.start({
      pipelineId: sum.pipelineId,
      tags: ["nightly", "team:a"],
    });
    await finish(s1.workflowId);
    const s2 = await asAlice.runs.start({ pipelineId: sum.pipelineId, tags: ["rerun"] });
    await finish(s2.workflowId);
    const failing = await asAlice.pipelines.save({ document: failingDoc("history failing") });
    const f = await asAlice.runs.start({ pipelineId: failing.pipelineId, tags: ["nightly"] });
    await finish(f.workflowId);

    // Bob: two versions of a small training pipeline that differ in one param.
    const ml = await asBob.pipelines.save({ document: mlDoc("history ml", 0.05) });
    ids.mlPipeline = ml.pipelineId;
    const m1 = await asBob.runs.start({ pipelineId: ml.pipelineId, tags: ["ml"] });
    await finish(m1.workflowId);
    await asBob.pipelines.save({ pipelineId: ml.pipelineId, document: mlDoc("history ml", 0.1) });
    const m2 = await asBob.runs.start({ pipelineId: ml.pipelineId, tags: ["ml"] });
    await finish(m2.workflowId);

    // Bob: a run left waiting for a manager's approval.
    const gated = await asBob.pipelines.save({ document: gatedDoc("history gated") });
    const g = await asBob.runs.start({ pipelineId: gated.pipelineId });
    await waitFor("the gate to await approval", async () => {
      const r = await asBob.runs.get({ runId: g.runId });
      return r.steps.find((s) => s.stepId === "gate")?.status === "awaiting_approval";
    });

    Object.assign(ids, {
      sum1: s1.runId,
      sum2: s2.runId,
      failed: f.runId,
      ml1: m1.runId,
      ml2: m2.runId,
      gated: g.runId,
      gatedWorkflow: g.workflowId,
    });
  }, 600_000);

  afterAll(async () => {
    if (ids.gated) {
      await asManager.runs.cancel({ runId: ids.gated }).catch(() => undefined);
      await finish(ids.gatedWorkflow).catch(() => undefined);
    }
    await worker.stop();
    await closeTemporalClient();
    await closeDb();
  });

  it("computes each run's columns: steps, cache hits, compute seconds, who, key metric", async () => {
    const { rows, total } = await asManager.history.runs();
    expect(total).toBe(6);
    const row = (id: string) => rows.find((r) => r.id === id)!;

    const first = row(ids.sum1);
    expect(first).toMatchObject({
      pipelineName: "history sum",
      version: 1,
      status: "succeeded",
      trigger: "ui",
      triggeredByLabel: alice.email,
      tags: ["nightly", "team:a"],
      stepCount: 2,
      cacheHits: 0,
      gpuSeconds: 0,
      keyMetric: null,
    });
    expect(first.triggeredBy?.id).toBe(alice.userId);
    expect(first.cpuSeconds).toBeGreaterThan(0);
    expect(first.durationSeconds).toBeGreaterThan(0);

    const rerun = row(ids.sum2);
    expect(rerun).toMatchObject({ stepCount: 2, cacheHits: 2, cpuSeconds: 0 });

    expect(row(ids.failed)).toMatchObject({ status: "failed", stepCount: 2, cacheHits: 0 });
    expect(row(ids.failed).error).toContain("injected failure");

    const trained = row(ids.ml2);
    expect(trained).toMatchObject({ version: 2, stepCount: 5, cacheHits: 4 });
    expect(trained.keyMetric?.name).toBeTruthy();
    expect(typeof trained.keyMetric?.value).toBe("number");
    expect(row(ids.gated)).toMatchObject({ status: "awaiting_approval", finishedAt: null });
  });

  it("filters by status, person, tag, pipeline and date range, and pages", async () => {
    const runIds = async (input: Parameters<Caller["history"]["runs"]>[0]) =>
      (await asManager.history.runs(input)).rows.map((r) => r.id).sort();

    expect(await runIds({ status: "failed" })).toEqual([ids.failed]);
    expect(await runIds({ triggeredBy: alice.userId })).toEqual(
      [ids.sum1, ids.sum2, ids.failed].sort(),
    );
    expect(await runIds({ tag: "nightly" })).toEqual([ids.sum1, ids.failed].sort());
    expect(await runIds({ tag: "team:a" })).toEqual([ids.sum1]);
    expect(await runIds({ tag: "nothing" })).toEqual([]);
    expect(await runIds({ pipelineId: ids.mlPipeline })).toEqual([ids.ml1, ids.ml2].sort());
    expect(await runIds({ pipelineId: ids.sumPipeline, status: "succeeded" })).toEqual(
      [ids.sum1, ids.sum2].sort(),
    );

    const all = (await asManager.history.runs()).rows;
    const ml2Created = all.find((r) => r.id === ids.ml2)!.createdAt;
    expect(await runIds({ from: ml2Created })).toEqual([ids.ml2, ids.gated].sort());
    expect(await runIds({ from: started, to: new Date(ml2Created.getTime() - 1) })).toEqual(
      [ids.sum1, ids.sum2, ids.failed, ids.ml1].sort(),
    );
    expect(await runIds({ to: started })).toEqual([]);

    const page = await asManager.history.runs({ limit: 2, offset: 2 });
    expect(page.total).toBe(6);
    expect(page.rows.map((r) => r.id)).toEqual(all.slice(2, 4).map((r) => r.id));

    await expect(asManager.history.runs({ tag: "has space" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  it("sorts by created time, duration, status and pipeline", async () => {
    const sorted = async (
      sort: "createdAt" | "duration" | "status" | "pipeline",
      order: "asc" | "desc",
    ) => (await asManager.history.runs({ sort, order })).rows;

    const newest = await sorted("createdAt", "desc");
    expect(newest[0]!.id).toBe(ids.gated);
    expect(newest.at(-1)!.id).toBe(ids.sum1);
    expect((await sorted("createdAt", "asc")).map((r) => r.id)).toEqual(
      newest.map((r) => r.id).reverse(),
    );

    const durations = (await sorted("duration", "asc")).map((r) => r.durationSeconds!);
    expect(durations).toEqual([...durations].sort((a, b) => a - b));
    const longest = (await sorted("duration", "desc")).map((r) => r.durationSeconds!);
    expect(longest).toEqual([...longest].sort((a, b) => b - a));

    const statuses = (await sorted("status", "asc")).map((r) => r.status);
    expect(statuses).toEqual([...statuses].sort());
    const names = (await sorted("pipeline", "desc")).map((r) => r.pipelineName);
    expect(names).toEqual([...names].sort().reverse());
  });

  it("shows analysts only their own runs, managers all of them", async () => {
    const aliceRuns = (await asAlice.history.runs()).rows;
    expect(aliceRuns.map((r) => r.id).sort()).toEqual([ids.sum1, ids.sum2, ids.failed].sort());
    const bobRuns = (await asBob.history.runs()).rows;
    expect(bobRuns.map((r) => r.id).sort()).toEqual([ids.ml1, ids.ml2, ids.gated].sort());
    expect((await asBob.history.runs({ triggeredBy: alice.userId })).rows).toEqual([]);

    expect((await asManager.history.users()).map((u) => u.email).sort()).toEqual(
      [alice.email, bob.email].sort(),
    );
    expect((await asAlice.history.users()).map((u) => u.email)).toEqual([alice.email]);
  });

  it("compares runs: params that differ, metrics side by side, learning curves", async () => {
    const c = await asManager.history.compare({ runIds: [ids.ml1, ids.ml2] });
    expect(c.runs.map((r) => [r.id, r.version])).toEqual([
      [ids.ml1, 1],
      [ids.ml2, 2],
    ]);
    const param = (stepId: string, name: string) =>
      c.params.find((p) => p.stepId === stepId && p.name === name);
    expect(param("train", "learningRate")).toMatchObject({
      values: ["0.05", "0.1"],
      differs: true,
    });
    expect(param("train", "label")).toMatchObject({
      values: ["species", "species"],
      differs: false,
    });
    expect(param("split", "seed")).toMatchObject({ values: ["3", "3"], differs: false });
    expect(c.steps.map((s) => s.stepId)).toEqual(["raw", "split", "impute", "encode", "train"]);
    expect(c.steps.at(-1)!.runs.map((s) => s?.status)).toEqual(["succeeded", "succeeded"]);
    expect(c.steps[0]!.runs.map((s) => s?.cacheHit)).toEqual([false, true]);

    const trainMetrics = c.metrics.filter((m) => m.task === "training");
    expect(trainMetrics.length).toBeGreaterThan(0);
    const accuracy = trainMetrics.find((m) => m.name === "validation.accuracy")!;
    expect(accuracy.values.every((v) => typeof v === "number")).toBe(true);
    expect(c.curves.map((k) => [k.runId, k.stepId])).toEqual([
      [ids.ml1, "train"],
      [ids.ml2, "train"],
    ]);
    expect(c.curves[0]!.curve.length).toBeGreaterThan(1);

    // Runs of different pipelines line up too; a step only one run has shows null for the other.
    const mixed = await asManager.history.compare({ runIds: [ids.sum1, ids.failed, ids.ml1] });
    expect(mixed.params.find((p) => p.stepId === "broken")).toMatchObject({ differs: true });
    expect(mixed.params.find((p) => p.stepId === "broken")!.values[0]).toBeNull();
  });

  it("compares 2 to 5 visible runs of the caller's workspace only", async () => {
    await expect(asManager.history.compare({ runIds: [ids.ml1] })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    const six = [ids.sum1, ids.sum2, ids.failed, ids.ml1, ids.ml2, ids.gated];
    await expect(asManager.history.compare({ runIds: six })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(asManager.history.compare({ runIds: [ids.ml1, ids.ml1] })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    // Alice cannot see Bob's runs; a manager elsewhere cannot see this workspace's.
    await expect(asAlice.history.compare({ runIds: [ids.sum1, ids.ml1] })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const elsewhere = callerFor(await principalAs("manager", (await newWorkspace()).id));
    await expect(elsewhere.history.compare({ runIds: [ids.ml1, ids.ml2] })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(elsewhere.history.graph({ runId: ids.ml1 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("gives the run page its DAG and the previous run of the pipeline", async () => {
    const g = await asBob.history.graph({ runId: ids.ml2 });
    expect(g.nodes.map((n) => n.id)).toEqual(["raw", "split", "impute", "encode", "train"]);
    expect(g.edges).toContainEqual({
      source: "encode",
      sourcePort: "validation",
      target: "train",
      targetPort: "validation",
    });
    expect(g.edges).toHaveLength(1 + 3 + 3 + 2);
    // No canvas positions were saved: columns follow the depth of each step.
    const x = Object.fromEntries(g.nodes.map((n) => [n.id, n.position.x]));
    expect(x.raw).toBeLessThan(x.split!);
    expect(x.encode).toBeLessThan(x.train!);
    expect(g.tags).toEqual(["ml"]);
    expect(g.previous).toMatchObject({ runId: ids.ml1, version: 1 });
    expect((await asBob.history.graph({ runId: ids.ml1 })).previous).toBeNull();
  });

  it("replaces a run's tags, validated and audited", async () => {
    await asAlice.history.setTags({ runId: ids.sum2, tags: ["best", "v1.2", "best"] });
    const tagged = (await asAlice.history.runs({ tag: "best" })).rows;
    expect(tagged.map((r) => [r.id, r.tags])).toEqual([[ids.sum2, ["best", "v1.2"]]]);
    expect((await asAlice.history.runs({ tag: "rerun" })).rows).toEqual([]);

    await expect(
      asAlice.history.setTags({ runId: ids.sum2, tags: ["no spaces"] }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      asAlice.history.setTags({
        runId: ids.sum2,
        tags: Array.from({ length: 11 }, (_, i) => `t${i}`),
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(asBob.history.setTags({ runId: ids.sum2, tags: [] })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });

    const entries = await getDb()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.workspaceId, workspaceId), eq(auditLog.action, "run.tags")));
    expect(entries.map((e) => [e.actorEmail, e.targetType, e.targetId])).toEqual([
      [alice.email, "run", ids.sum2],
    ]);
  });

  it("gives managers the dashboard: runs per day, durations, production models, approvals", async () => {
    await expect(asAlice.dashboard.get()).rejects.toMatchObject({ code: "FORBIDDEN" });

    // A deployment whose latest monitor check found drift, written as the registry would.
    const db = getDb();
    const hash = `history-test-${crypto.randomUUID()}`;
    await db.insert(artifacts).values({ hash, kind: "model", sizeBytes: 1, uri: `mem://${hash}` });
    const [model] = await db
      .insert(models)
      .values({ workspaceId, name: `churn-${hash.slice(-6)}` })
      .returning();
    const [version] = await db
      .insert(modelVersions)
      .values({
        modelId: model!.id,
        version: 3,
        artifactHash: hash,
        algorithm: "logistic",
        signature: {},
        metrics: {},
        lineage: {},
      })
      .returning();
    const [deployment] = await db
      .insert(deployments)
      .values({
        workspaceId,
        name: `churn-prod-${hash.slice(-8)}`,
        modelId: model!.id,
        alias: "production",
        primaryVersionId: version!.id,
        apiKeyHash: "x",
      })
      .returning();
    // A staging-only endpoint of another model: not "in production".
    const [stagingModel] = await db
      .insert(models)
      .values({ workspaceId, name: `churn-staging-${hash.slice(-6)}` })
      .returning();
    const [stagingVersion] = await db
      .insert(modelVersions)
      .values({
        modelId: stagingModel!.id,
        version: 1,
        artifactHash: hash,
        algorithm: "gbdt",
        signature: {},
        metrics: {},
        lineage: {},
      })
      .returning();
    await db.insert(deployments).values({
      workspaceId,
      name: `a-churn-staging-${hash.slice(-8)}`,
      modelId: stagingModel!.id,
      alias: "staging",
      primaryVersionId: stagingVersion!.id,
      apiKeyHash: "y",
    });
    const check = (key: string, at: Date, alerts: { kind: string; message: string }[]) => ({
      checkKey: `${hash}-${key}`,
      deploymentId: deployment!.id,
      versionId: version!.id,
      windowStart: at,
      windowEnd: at,
      rows: 10,
      features: [],
      alerts,
      createdAt: at,
    });
    await db
      .insert(monitorResults)
      .values([
        check("old", new Date(Date.now() - 3_600_000), []),
        check("new", new Date(), [{ kind: "feature_drift", message: "age drifted" }]),
      ]);

    const d = await asManager.dashboard.get({ days: 7 });
    expect(d.runsPerDay).toHaveLength(7);
    const today = d.runsPerDay.at(-1)!;
    expect(today.day).toBe(new Date().toISOString().slice(0, 10));
    expect(today).toMatchObject({ total: 6, succeeded: 4, failed: 1, finished: 5 });
    expect(today.successRate).toBeCloseTo(4 / 5);
    expect(d.runsPerDay.slice(0, -1).every((x) => x.total === 0 && x.successRate === null)).toBe(
      true,
    );
    expect(d.totals).toMatchObject({ total: 6, succeeded: 4, failed: 1 });

    const durations = Object.fromEntries(d.durations.map((p) => [p.pipelineName, p]));
    expect(durations["history sum"]?.runs).toBe(2);
    expect(durations["history ml"]?.runs).toBe(2);
    expect(durations["history ml"]?.medianSeconds).toBeGreaterThan(0);
    expect(durations["history failing"]).toBeUndefined();

    expect(d.modelsInProduction).toBe(1);
    expect(d.endpoints).toEqual([
      expect.objectContaining({
        deploymentId: deployment!.id,
        modelName: model!.name,
        version: 3,
        alias: "production",
        alertCount: 1,
        alertKinds: ["feature_drift"],
        drift: "drift",
      }),
      expect.objectContaining({ modelName: stagingModel!.name, alias: "staging" }),
    ]);
    expect(d.approvals).toEqual([
      expect.objectContaining({
        runId: ids.gated,
        stepId: "gate",
        pipelineName: "history gated",
        triggeredByLabel: bob.email,
      }),
    ]);
  });
});
