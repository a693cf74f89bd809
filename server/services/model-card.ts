import { createHash } from "node:crypto";
import { and, desc, eq, or, sql } from "drizzle-orm";
import type { PipelineFile } from "../../common/pipeline/schema";
import type { ModelCard, GroupRow } from "../../common/model-card";
import type { DatasetMetadata } from "../../lib/data/dataset";
import { isNumeric } from "../../lib/data/dataset";
import { quoteIdent } from "../../lib/data/sandbox";
import { InvalidInputError, NotFoundError } from "../../lib/errors";
import type { ClassificationMetrics, RegressionMetrics } from "../../lib/ml/metrics";
import type { ModelMetadata } from "../../lib/ml/model-metadata";
import type { StepOutputs } from "../../workflows/plan";
import type { ArtifactStore } from "../artifacts/store";
import type { Db } from "../db/client";
import {
  artifacts,
  deployments,
  modelVersions,
  models,
  pipelineVersions,
  pipelines,
  runSteps,
  runs,
  servingAudit,
  users,
} from "../db/schema";
import { datasetProfile, profileSummary, withDataset } from "./datasets";
import { evaluationsOfModel } from "./evaluations";

// A model card: what the product knows about a registered version, in one document. The page,
// the Markdown and the PDF all render this object, so their numbers are the same.

const reservedColumns = new Set(["file_row", "actual", "predicted", "probability"]);

export async function modelCard(
  db: Db,
  store: ArtifactStore,
  workspaceId: string,
  versionId: string,
  options: { groupBy?: string | null } = {},
): Promise<ModelCard> {
  const [v] = await db
    .select({
      id: modelVersions.id,
      version: modelVersions.version,
      modelId: models.id,
      modelName: models.name,
      description: models.description,
      algorithm: modelVersions.algorithm,
      artifactHash: modelVersions.artifactHash,
      lineage: modelVersions.lineage,
      card: modelVersions.card,
      createdAt: modelVersions.createdAt,
      metadata: artifacts.metadata,
    })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .innerJoin(artifacts, eq(artifacts.hash, modelVersions.artifactHash))
    .where(and(eq(modelVersions.id, versionId), eq(models.workspaceId, workspaceId)));
  if (!v) throw new NotFoundError(`Model version ${versionId} does not exist`);
  const meta = v.metadata as ModelMetadata;
  const lineage = v.lineage as ModelMetadata["lineage"] & {
    deployRunId?: string;
    deployStepId?: string;
  };
  const sig = meta.signature;

  const [trainingRun] = await db
    .select({
      id: runs.id,
      createdAt: runs.createdAt,
      pipelineId: pipelines.id,
      pipelineName: pipelines.name,
      pipelineVersion: pipelineVersions.version,
      contentHash: pipelineVersions.contentHash,
      graph: pipelineVersions.graph,
      startedBy: users.email,
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .leftJoin(users, eq(users.id, runs.triggeredBy))
    .where(eq(runs.id, lineage.runId));
  const graph = trainingRun?.graph as PipelineFile | undefined;
  const sources = (graph?.nodes ?? [])
    .filter((n) => n.type.startsWith("ingest."))
    .map((n) => ({ node: n.id, type: n.type, params: n.params ?? {} }));
  const code = (graph?.nodes ?? [])
    .filter((n) => typeof (n.params as { code?: unknown } | undefined)?.code === "string")
    .map((n) => ({
      node: n.id,
      type: n.type,
      sha256: createHash("sha256")
        .update((n.params as { code: string }).code)
        .digest("hex"),
    }));

  const train = await datasetProfile(db, store, lineage.train).catch(() => null);

  const evaluation = (await evaluationsOfModel(db, workspaceId, v.artifactHash))[0] ?? null;
  let predictionsHash: string | null = null;
  if (evaluation) {
    const [step] = await db
      .select({ outputs: runSteps.outputs })
      .from(runSteps)
      .where(
        and(
          eq(runSteps.runId, evaluation.source.runId),
          eq(runSteps.stepId, evaluation.source.stepId),
        ),
      );
    predictionsHash = (step?.outputs as StepOutputs | null)?.predictions?.hash ?? null;
  }
  const groupBy = options.groupBy === undefined ? (v.card.groupBy ?? null) : options.groupBy;
  const groupColumns = predictionsHash ? await predictionColumns(db, predictionsHash) : [];
  let groups: ModelCard["groups"] = null;
  if (groupBy && predictionsHash) {
    if (!groupColumns.some((c) => c.name === groupBy))
      throw new InvalidInputError(
        `The evaluation's rows have no column "${groupBy}"; group by one of: ${groupColumns.map((c) => c.name).join(", ")}`,
      );
    groups = {
      column: groupBy,
      positiveClass: sig.classes?.length === 2 ? String(sig.classes[1]) : null,
      rows: await groupRows(
        store,
        predictionsHash,
        groupColumns.find((c) => c.name === groupBy)!,
        sig.task,
        sig.classes?.length === 2 ? String(sig.classes[1]) : null,
      ),
    };
  }

  const [approvals, history, serving] = await Promise.all([
    decisionsFor(db, lineage),
    db
      .select()
      .from(servingAudit)
      .where(
        and(
          eq(servingAudit.modelId, v.modelId),
          or(eq(servingAudit.versionId, v.id), eq(servingAudit.previousVersionId, v.id)),
        ),
      )
      .orderBy(desc(servingAudit.at)),
    db
      .select({ name: deployments.name, alias: deployments.alias, strategy: deployments.strategy })
      .from(deployments)
      .where(or(eq(deployments.primaryVersionId, v.id), eq(deployments.challengerVersionId, v.id))),
  ]);

  const test = evaluation?.metrics as ClassificationMetrics | RegressionMetrics | undefined;
  return {
    model: { id: v.modelId, name: v.modelName, description: v.description },
    version: { id: v.id, number: v.version, createdAt: v.createdAt.toISOString() },
    notes: {
      intendedUse: v.card.intendedUse ?? "",
      limitations: v.card.limitations ?? "",
    },
    algorithm: v.algorithm,
    params: meta.params,
    task: sig.task,
    label: sig.label,
    classes: sig.classes?.map(String) ?? null,
    features: sig.inputs.map((i) => ({ column: i.column, type: i.type })),
    trainingData: {
      sources,
      hash: lineage.train,
      rows: train?.rowCount ?? null,
      roles: train?.roles ?? null,
      columns: profileSummary(train?.profile ?? []),
    },
    validation: (meta.metrics.validation as Record<string, unknown> | undefined) ?? null,
    test: test ?? null,
    evaluation: evaluation
      ? {
          runId: evaluation.source.runId,
          stepId: evaluation.source.stepId,
          testHash: evaluation.testHash,
        }
      : null,
    importance: (meta.importance ?? []).slice(0, 20),
    groupColumns: groupColumns.map((c) => c.name),
    groups,
    lineage: {
      runId: lineage.runId,
      stepId: lineage.stepId,
      pipeline: trainingRun
        ? {
            id: trainingRun.pipelineId,
            name: trainingRun.pipelineName,
            version: trainingRun.pipelineVersion,
            contentHash: trainingRun.contentHash,
          }
        : null,
      trainedAt: trainingRun?.createdAt.toISOString() ?? null,
      trainedBy: trainingRun?.startedBy ?? null,
      code,
      data: {
        train: lineage.train,
        validation: lineage.validation ?? null,
        test: evaluation?.testHash ?? null,
      },
      model: v.artifactHash,
    },
    approvals,
    serving: serving.map((d) => ({ endpoint: d.name, alias: d.alias, strategy: d.strategy })),
    history: history.map((h) => ({
      at: h.at.toISOString(),
      action: h.action,
      alias: h.alias,
      actor: h.actor,
      deploymentId: h.deploymentId,
    })),
  };
}

async function predictionColumns(db: Db, hash: string) {
  const [row] = await db
    .select({ metadata: artifacts.metadata })
    .from(artifacts)
    .where(eq(artifacts.hash, hash));
  return ((row?.metadata as DatasetMetadata | undefined)?.schema ?? []).filter(
    (c) => !reservedColumns.has(c.name),
  );
}

/** Accuracy and positive rate (classifiers) or errors (regressors) per group of a column. */
async function groupRows(
  store: ArtifactStore,
  hash: string,
  column: { name: string; type: string },
  task: "binary" | "multiclass" | "regression",
  positive: string | null,
): Promise<GroupRow[]> {
  return withDataset(store, hash, async (c) => {
    const col = quoteIdent(column.name);
    let key = `coalesce(${col}::VARCHAR, '(missing)')`;
    if (isNumeric(column.type)) {
      const [d] = (
        await c.runAndReadAll(`SELECT count(DISTINCT ${col})::BIGINT AS n FROM data`)
      ).getRowObjects();
      // Many distinct numbers read better as quartiles, labelled by their ranges.
      if (Number(d?.n ?? 0) > 12) {
        await c.run(
          `CREATE TEMP VIEW binned AS SELECT *, CASE WHEN ${col} IS NULL THEN NULL ELSE ntile(4) OVER (PARTITION BY ${col} IS NULL ORDER BY ${col}) END AS q FROM data`,
        );
        await c.run(
          `CREATE TEMP VIEW grouped AS SELECT b.*, coalesce(printf('%g – %g', r.lo, r.hi), '(missing)') AS g FROM binned b LEFT JOIN (SELECT q, min(${col}) AS lo, max(${col}) AS hi FROM binned GROUP BY q) r USING (q)`,
        );
        key = "g";
      }
    }
    const from = key === "g" ? "grouped" : "data";
    const stats =
      task !== "regression"
        ? `avg(CASE WHEN actual = predicted THEN 1 ELSE 0 END)::DOUBLE AS accuracy${
            positive === null
              ? ""
              : `, avg(CASE WHEN predicted = '${positive.replaceAll("'", "''")}' THEN 1 ELSE 0 END)::DOUBLE AS positive_rate, avg(CASE WHEN actual = '${positive.replaceAll("'", "''")}' THEN 1 ELSE 0 END)::DOUBLE AS actual_positive_rate`
          }`
        : `sqrt(avg((predicted - actual) * (predicted - actual)))::DOUBLE AS rmse, avg(abs(predicted - actual))::DOUBLE AS mae, avg(predicted)::DOUBLE AS mean_predicted, avg(actual)::DOUBLE AS mean_actual`;
    const rows = (
      await c.runAndReadAll(
        `SELECT ${key} AS grp, count(*)::BIGINT AS n, ${stats} FROM ${from} GROUP BY 1 ORDER BY n DESC, 1 LIMIT 50`,
      )
    ).getRowObjects();
    const num = (x: unknown) => (x === null || x === undefined ? null : Number(x));
    return rows.map((r) => ({
      group: String(r.grp),
      rows: Number(r.n),
      accuracy: num(r.accuracy),
      positiveRate: num(r.positive_rate),
      actualPositiveRate: num(r.actual_positive_rate),
      rmse: num(r.rmse),
      mae: num(r.mae),
    }));
  });
}

/** The decision on the deploy that put this version in service, as its step recorded it. */
async function decisionsFor(
  db: Db,
  lineage: { deployRunId?: string; deployStepId?: string },
): Promise<ModelCard["approvals"]> {
  if (!lineage.deployRunId || !lineage.deployStepId) return [];
  const [step] = await db
    .select({ approval: runSteps.approval })
    .from(runSteps)
    .where(and(eq(runSteps.runId, lineage.deployRunId), eq(runSteps.stepId, lineage.deployStepId)));
  if (!step?.approval) return [];
  const a = step.approval;
  return [
    {
      runId: lineage.deployRunId,
      approved: a.approved,
      by: a.by,
      at: a.at,
      comment: a.comment ?? null,
    },
  ];
}

export async function setCardNotes(
  db: Db,
  workspaceId: string,
  versionId: string,
  notes: { intendedUse?: string; limitations?: string; groupBy?: string | null },
) {
  const [v] = await db
    .select({ id: modelVersions.id, card: modelVersions.card })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(and(eq(modelVersions.id, versionId), eq(models.workspaceId, workspaceId)));
  if (!v) throw new NotFoundError(`Model version ${versionId} does not exist`);
  const card = { ...v.card, ...notes };
  await db
    .update(modelVersions)
    .set({ card: sql`${JSON.stringify(card)}::jsonb` })
    .where(eq(modelVersions.id, versionId));
  return card;
}
