import { readFileSync } from "node:fs";
import postgres from "postgres";
import { cardMarkdown } from "../../common/model-card";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callerAs, callerFor, newWorkspace, principalAs } from "../people";
import { closeDb } from "../../server/db/client";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { startServing, type Serving } from "../serving";
import { pipelineDoc, spawnWorkerProcess, waitFor, type WorkerProcess } from "../helpers";

const api = callerAs("admin");
/** Four eyes: whoever started a run does not approve it. */
const approver = callerAs("manager");

/** Penguins as records, NA as null, numbers as numbers: live traffic from the same population. */
function penguins(): Record<string, string | number | null>[] {
  const [header, ...lines] = readFileSync("examples/data/penguins.csv", "utf8").trim().split("\n");
  const cols = header!.split(",");
  return lines.map((line) =>
    Object.fromEntries(
      line
        .split(",")
        .map((v, i) => [cols[i]!, v === "NA" ? null : /^-?[\d.]+$/.test(v) ? Number(v) : v]),
    ),
  );
}

/**
 * The whole loop: ingest, prep, train, evaluate and deploy to production (approved through the
 * API), serve over HTTP, receive drifted traffic, let the monitor flag the drifted features, and
 * see the retraining run it starts.
 */
describe("closing the loop", () => {
  let worker: WorkerProcess;
  let serving: Serving;
  let sql: postgres.Sql;
  beforeAll(async () => {
    worker = await spawnWorkerProcess("loop-worker");
    serving = await startServing();
    sql = postgres(inject("databaseUrl"), { max: 1 });
  }, 120_000);
  afterAll(async () => {
    await serving.stop();
    await worker.stop();
    await sql.end();
    await closeTemporalClient();
    await closeDb();
  });

  it("deploys, serves, detects drift and starts retraining", async () => {
    const retrain = await api.pipelines.save({
      document: pipelineDoc(
        `retrain ${crypto.randomUUID()}`,
        [
          { id: "a", type: "internal.numbers", params: { count: 3 } },
          { id: "b", type: "internal.sum" },
        ],
        [{ source: "a", sourcePort: "numbers", target: "b", targetPort: "numbers" }],
      ),
    });
    const endpoint = `loop-${crypto.randomUUID().slice(0, 8)}`;
    const three = (a: string, b: string) =>
      ["train", "validation", "test"].map((p) => ({
        source: a,
        sourcePort: p,
        target: b,
        targetPort: p,
      }));
    const saved = await api.pipelines.save({
      document: pipelineDoc(
        `loop ${crypto.randomUUID()}`,
        [
          { id: "raw", type: "ingest.sample", params: { dataset: "penguins" } },
          {
            id: "split",
            type: "prep.split",
            params: { method: "stratified", column: "species", seed: 9 },
          },
          { id: "impute", type: "prep.impute", params: { strategy: "mean" } },
          { id: "encode", type: "prep.encode", params: { exclude: ["species"] } },
          { id: "scale", type: "prep.scale", params: {} },
          {
            id: "train",
            type: "train.gbdt",
            params: { label: "species", trees: 30, minDataInLeaf: 5 },
          },
          { id: "eval", type: "evaluate.model", params: {} },
          {
            id: "deploy",
            type: "deploy.endpoint",
            params: { endpoint, alias: "production", rateLimitPerMinute: 100_000 },
          },
          {
            id: "monitor",
            type: "monitor.drift",
            params: {
              everyMinutes: 1440,
              windowMinutes: 60,
              minRows: 100,
              retrainPipelineId: retrain.pipelineId,
            },
          },
        ],
        [
          { source: "raw", sourcePort: "dataset", target: "split", targetPort: "input" },
          ...three("split", "impute"),
          ...three("impute", "encode"),
          ...three("encode", "scale"),
          { source: "scale", sourcePort: "train", target: "train", targetPort: "train" },
          { source: "scale", sourcePort: "validation", target: "train", targetPort: "validation" },
          { source: "train", sourcePort: "model", target: "eval", targetPort: "model" },
          { source: "split", sourcePort: "test", target: "eval", targetPort: "test" },
          { source: "train", sourcePort: "model", target: "deploy", targetPort: "model" },
          { source: "split", sourcePort: "train", target: "deploy", targetPort: "reference" },
          {
            source: "deploy",
            sourcePort: "deployment",
            target: "monitor",
            targetPort: "deployment",
          },
        ],
      ),
    });
    const started = await api.runs.start({ pipelineId: saved.pipelineId, cache: false });
    await waitFor(
      "the deploy step to await approval",
      async () => {
        const r = await api.runs.get({ runId: started.runId });
        return r.steps.find((s) => s.stepId === "deploy")?.status === "awaiting_approval";
      },
      120_000,
    );
    expect((await api.deployments.list()).some((d) => d.name === endpoint)).toBe(false);
    await approver.runs.approve({
      runId: started.runId,
      stepId: "deploy",
      approved: true,
      comment: "metrics look right",
    });
    await waitForRun(await getTemporalClient(), started.workflowId);
    const run = await api.runs.get({ runId: started.runId });
    expect(run.steps.filter((s) => s.error).map((s) => `${s.stepId}: ${s.error}`)).toEqual([]);
    expect(run.status).toBe("succeeded");

    const deployment = (await api.deployments.list()).find((d) => d.name === endpoint)!;
    expect(deployment.alias).toBe("production");

    // A candidate with more trees: the manager sees its test metrics beside production's (same
    // test rows), the pipeline's change since production's version, the data and its drift.
    const graph = (await api.pipelines.get({ pipelineId: saved.pipelineId })).graph as {
      nodes: { id: string; params?: Record<string, unknown> }[];
    };
    const trainNode = graph.nodes.find((n) => n.id === "train")!;
    trainNode.params = { ...trainNode.params, trees: 40 };
    await api.pipelines.save({ pipelineId: saved.pipelineId, document: graph });
    const second = await api.runs.start({ pipelineId: saved.pipelineId });
    await waitFor(
      "the second deploy to await approval, its evaluation done",
      async () => {
        const steps = (await api.runs.get({ runId: second.runId })).steps;
        const status = (id: string) => steps.find((s) => s.stepId === id)?.status;
        return status("deploy") === "awaiting_approval" && status("eval") === "succeeded";
      },
      120_000,
    );
    const context = await approver.runs.approvalContext({ runId: second.runId, stepId: "deploy" });
    const evals = await api.experiments.forRun({ runId: second.runId });
    const secondEval = evals.find((e) => e.stepId === "eval")!.metrics as {
      test: { accuracy: number };
    };
    const firstEval = (await api.experiments.forRun({ runId: started.runId })).find(
      (e) => e.stepId === "eval",
    )!.metrics as { test: { accuracy: number } };
    expect(context.target).toEqual({ endpoint, model: endpoint, alias: "production" });
    expect(context.asked.by).toMatch(/^admin-/);
    expect(context.production?.version).toBe(1);
    expect(context.sameTestRows).toBe(true);
    const accuracy = context.metrics.find((m) => m.name === "accuracy")!;
    expect(accuracy.candidate).toBe(secondEval.test.accuracy);
    expect(accuracy.production).toBe(firstEval.test.accuracy);
    expect(context.changes).toMatchObject({ samePipeline: true, fromVersion: 1, toVersion: 2 });
    expect(context.changes!.diff.nodesChanged).toEqual([
      expect.objectContaining({
        id: "train",
        params: [expect.objectContaining({ path: "trees", from: 30, to: 40 })],
      }),
    ]);
    expect(context.data?.rows).toBeGreaterThan(100);
    expect(context.data?.columns.map((c) => c.name)).toContain("flipper_length_mm");
    // The same training rows as production's: nothing drifts.
    expect(context.drift?.length).toBeGreaterThan(3);
    expect(context.drift?.filter((d) => d.missing || d.drifted)).toEqual([]);
    await approver.runs.approve({
      runId: second.runId,
      stepId: "deploy",
      approved: false,
      comment: "not better enough",
    });
    await waitForRun(await getTemporalClient(), second.workflowId);
    const rejected = await api.runs.get({ runId: second.runId });
    expect(rejected.status).toBe("rejected");
    expect(rejected.steps.find((s) => s.stepId === "monitor")?.status).toBe("skipped");
    const history = await api.models.history({ modelId: deployment.modelId });
    expect(history.find((h) => h.action === "reject")).toMatchObject({
      alias: "production",
      detail: { runId: second.runId, comment: "not better enough" },
    });
    expect(history.find((h) => h.action === "approve")).toBeUndefined();
    // The deployed version's model card: the evaluate step's numbers, per island, the approval.
    await expect(
      api.models.setCard({ versionId: deployment.primaryVersionId, groupBy: "nope" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/no column "nope".*island/) as unknown,
    });
    await api.models.setCard({
      versionId: deployment.primaryVersionId,
      intendedUse: "Sorting penguins at the *field station*.",
      groupBy: "island",
    });
    const card = await api.models.card({ versionId: deployment.primaryVersionId });
    expect(card.test).toEqual(firstEval.test);
    expect(card.notes.intendedUse).toBe("Sorting penguins at the *field station*.");
    expect(card.groups?.column).toBe("island");
    const groupRows = card.groups!.rows;
    expect(groupRows.map((g) => g.group).sort()).toEqual(["Biscoe", "Dream", "Torgersen"]);
    const scored = groupRows.reduce((n, g) => n + g.rows, 0);
    expect(scored).toBe((firstEval.test as unknown as { rows: number }).rows);
    const weighted = groupRows.reduce((a, g) => a + g.rows * g.accuracy!, 0) / scored;
    expect(weighted).toBeCloseTo(firstEval.test.accuracy, 12);
    expect(card.approvals).toEqual([
      expect.objectContaining({ approved: true, comment: "metrics look right" }),
    ]);
    expect(card.serving).toEqual([{ endpoint, alias: "production", strategy: "replace" }]);
    expect(card.lineage.pipeline).toMatchObject({ version: 1 });
    // Another workspace reads none of it by id.
    const outsider = callerFor(await principalAs("admin", (await newWorkspace("Elsewhere")).id));
    for (const attempt of [
      () => outsider.models.card({ versionId: deployment.primaryVersionId }),
      () => outsider.models.setCard({ versionId: deployment.primaryVersionId, limitations: "x" }),
      () => outsider.deployments.history({ deploymentId: deployment.id }),
      () => outsider.runs.approvalContext({ runId: second.runId, stepId: "deploy" }),
    ])
      await expect(attempt()).rejects.toMatchObject({ code: "NOT_FOUND" });
    const markdown = cardMarkdown(card);
    expect(markdown).toContain(`# Model card: ${endpoint} v1`);
    expect(markdown).toContain("| island | Rows | Accuracy |");
    for (const g of groupRows) expect(markdown).toContain(`| ${g.group} | ${g.rows} |`);
    expect(markdown).toMatch(
      /Approved by manager-[0-9a-f]{8}@test\.local on .*: “metrics look right”/,
    );

    expect((await api.deployments.list()).find((d) => d.name === endpoint)?.primaryVersionId).toBe(
      deployment.primaryVersionId,
    );
    const { apiKey } = await api.deployments.rotateKey({ deploymentId: deployment.id });
    await serving.state.refresh();
    await serving.state.refresh();

    // Live traffic: real penguins, with flippers 40 mm longer and 1.5 kg heavier.
    const drifted = penguins()
      .filter((p) => p.flipper_length_mm !== null)
      // Every other row: the file is sorted by species, and the traffic should keep the mix.
      .filter((_, i) => i % 2 === 0)
      .slice(0, 150)
      .map(({ species: _species, ...p }) => ({
        ...p,
        flipper_length_mm: Number(p.flipper_length_mm) + 40,
        body_mass_g: Number(p.body_mass_g) + 1500,
      }));
    for (let i = 0; i < drifted.length; i += 25) {
      const r = await fetch(`${serving.base}/v2/models/${endpoint}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ records: drifted.slice(i, i + 25) }),
      });
      expect(r.status).toBe(200);
    }
    await serving.logger.flush();

    const client = await getTemporalClient();
    await client.schedule.getHandle(`monitor-${deployment.id}`).trigger();
    const result = await waitFor(
      "a monitor check with alerts and a retraining run",
      async () => {
        const [row] = await sql<
          {
            rows: number;
            alerts: { kind: string; feature?: string }[];
            retrain_run_id: string | null;
          }[]
        >`select rows, alerts, retrain_run_id from monitor_results
        where deployment_id = ${deployment.id} and rows > 0 order by created_at desc limit 1`;
        return row?.retrain_run_id ? row : undefined;
      },
      120_000,
    );
    expect(result.rows).toBe(150);
    const flagged = result.alerts.filter((a) => a.kind === "feature_drift").map((a) => a.feature);
    expect(flagged).toEqual(expect.arrayContaining(["flipper_length_mm", "body_mass_g"]));
    expect(flagged).not.toContain("bill_depth_mm");
    expect(flagged).not.toContain("island");

    const retrainRun = await api.runs.get({ runId: result.retrain_run_id! });
    expect(retrainRun.pipelineId).toBe(retrain.pipelineId);
    await waitForRun(client, retrainRun.workflowId);
    expect((await api.runs.get({ runId: retrainRun.id })).status).toBe("succeeded");
  }, 600_000);
});
