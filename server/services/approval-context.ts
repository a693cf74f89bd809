import { and, desc, eq, inArray } from "drizzle-orm";
import type { PipelineFile } from "../../common/pipeline/schema";
import { featureDrift, type FeatureReference } from "../../lib/ml/drift";
import type { ModelMetadata } from "../../lib/ml/model-metadata";
import { preprocessingOf } from "../../lib/data/preprocessing";
import { NotFoundError } from "../../lib/errors";
import type { Plan, StepOutputs } from "../../workflows/plan";
import type { ArtifactStore } from "../artifacts/store";
import type { Db } from "../db/client";
import {
  artifacts,
  modelAliases,
  modelVersions,
  models,
  pipelineVersions,
  pipelines,
  runSteps,
  runs,
  users,
} from "../db/schema";
import { datasetProfile, profileSummary, sampleColumns } from "./datasets";
import { evaluationsOfModel, evaluationsOfRuns, type Evaluation } from "./evaluations";
import { diffDocuments } from "./pipelines";
import { flattenMetrics } from "./run-compare";

// What a manager sees before deciding on a gated step: who asks, what the candidate scores on
// its test rows beside what production serves now, what changed in the pipeline since the
// version behind production, and the training data with its drift from production's reference.

const DRIFT = { psi: 0.2, ksPValue: 0.01 };

export async function approvalContext(
  db: Db,
  store: ArtifactStore,
  workspaceId: string,
  input: { runId: string; stepId: string },
) {
  const [run] = await db
    .select({
      id: runs.id,
      plan: runs.plan,
      pipelineId: runs.pipelineId,
      pipelineVersionId: runs.pipelineVersionId,
      createdAt: runs.createdAt,
      trigger: runs.trigger,
      startedBy: users.email,
    })
    .from(runs)
    .leftJoin(users, eq(users.id, runs.triggeredBy))
    .where(eq(runs.id, input.runId));
  const planStep = (run?.plan as Plan | undefined)?.steps.find((s) => s.id === input.stepId);
  if (!run || !planStep) throw new NotFoundError(`Run ${input.runId} has no step ${input.stepId}`);
  const steps = await db
    .select({
      stepId: runSteps.stepId,
      status: runSteps.status,
      outputs: runSteps.outputs,
      queuedAt: runSteps.queuedAt,
      approval: runSteps.approval,
    })
    .from(runSteps)
    .where(eq(runSteps.runId, run.id));
  const stepRow = steps.find((s) => s.stepId === input.stepId)!;
  const outputOf = (ref: { step: string; port: string } | undefined) =>
    ref
      ? (steps.find((s) => s.stepId === ref.step)?.outputs as StepOutputs | null)?.[ref.port]
      : undefined;

  const params = planStep.params as { endpoint?: string; model?: string; alias?: string };
  const modelName = params.model ?? params.endpoint ?? null;
  const target = {
    endpoint: params.endpoint ?? null,
    model: modelName,
    alias: params.alias ?? null,
  };
  const asked = {
    by: run.startedBy,
    trigger: run.trigger,
    runStartedAt: run.createdAt,
    waitingSince: stepRow.queuedAt,
  };

  const modelRef = outputOf(planStep.inputs.model);
  const referenceRef = outputOf(planStep.inputs.reference);
  const [modelArtifact] = modelRef
    ? await db.select().from(artifacts).where(eq(artifacts.hash, modelRef.hash))
    : [];
  const meta = modelArtifact?.metadata as ModelMetadata | undefined;

  const runEvaluations = (await evaluationsOfRuns(db, workspaceId, [run.id])).filter(
    (e) => e.modelHash === modelRef?.hash,
  );
  const candidateEval =
    runEvaluations[0] ??
    (modelRef ? (await evaluationsOfModel(db, workspaceId, modelRef.hash))[0] : undefined);

  const production = modelName ? await productionOf(db, workspaceId, modelName) : null;
  const productionEvals = production
    ? await evaluationsOfModel(db, workspaceId, production.artifactHash)
    : [];
  // The same test rows where production was ever evaluated on them; else its latest evaluation.
  const productionEval =
    productionEvals.find((e) => candidateEval && e.testHash === candidateEval.testHash) ??
    productionEvals[0];

  const metrics = metricRows(candidateEval, productionEval);

  let changes = null;
  if (production?.pipelineVersionId) {
    const [from] = await db
      .select({
        pipelineId: pipelineVersions.pipelineId,
        version: pipelineVersions.version,
        graph: pipelineVersions.graph,
        pipelineName: pipelines.name,
      })
      .from(pipelineVersions)
      .innerJoin(pipelines, eq(pipelines.id, pipelineVersions.pipelineId))
      .where(eq(pipelineVersions.id, production.pipelineVersionId));
    const [to] = await db
      .select({ version: pipelineVersions.version, graph: pipelineVersions.graph })
      .from(pipelineVersions)
      .where(eq(pipelineVersions.id, run.pipelineVersionId));
    if (from && to)
      changes = {
        samePipeline: from.pipelineId === run.pipelineId,
        fromPipeline: from.pipelineName,
        fromVersion: from.version,
        toVersion: to.version,
        diff: diffDocuments(from.graph as PipelineFile, to.graph as PipelineFile),
      };
  }

  // The training data: the rows the deploy keeps as its reference, else the model's train split.
  const dataHash = referenceRef?.hash ?? meta?.lineage.train ?? null;
  let data = null;
  let drift = null;
  if (dataHash) {
    const preview = await datasetProfile(db, store, dataHash).catch(() => null);
    if (preview)
      data = {
        hash: dataHash,
        rows: preview.rowCount,
        columns: profileSummary(preview.profile),
      };
    const reference = production?.reference?.features;
    if (reference?.length) {
      // A model that takes the file's columns compares the file's rows behind the split.
      const rowsHash = preprocessingOf(preview?.metadata).source?.rows?.hash ?? dataHash;
      const sample = await sampleColumns(
        db,
        store,
        rowsHash,
        reference.map((f) => f.column),
      );
      drift = reference.map((ref) => {
        const values = sample[ref.column];
        if (!values) return { feature: ref.column, missing: true as const };
        const d = featureDrift(
          ref,
          ref.kind === "categorical" ? values.map((v) => (v === null ? "" : v)) : values,
          DRIFT,
        );
        return {
          feature: d.feature,
          kind: d.kind,
          psi: d.psi,
          ks: d.ks ?? null,
          drifted: d.drifted,
          missing: false as const,
        };
      });
    }
  }

  return {
    runId: run.id,
    stepId: input.stepId,
    status: stepRow.status,
    approval: stepRow.approval,
    target,
    asked,
    candidate: {
      modelHash: modelRef?.hash ?? null,
      algorithm: meta?.algorithm ?? null,
      evaluation: candidateEval
        ? {
            runId: candidateEval.runId,
            stepId: candidateEval.stepId,
            testHash: candidateEval.testHash,
          }
        : null,
    },
    production: production
      ? {
          modelId: production.modelId,
          versionId: production.versionId,
          version: production.version,
          algorithm: production.algorithm,
          since: production.since,
          evaluation: productionEval
            ? {
                runId: productionEval.runId,
                stepId: productionEval.stepId,
                testHash: productionEval.testHash,
              }
            : null,
        }
      : null,
    sameTestRows:
      candidateEval && productionEval
        ? candidateEval.testHash !== null && candidateEval.testHash === productionEval.testHash
        : null,
    metrics,
    changes,
    data,
    drift,
  };
}

export type ApprovalContext = Awaited<ReturnType<typeof approvalContext>>;

/** The version a model's production alias names, with what produced it. */
export async function productionOf(db: Db, workspaceId: string, modelName: string) {
  const [row] = await db
    .select({
      modelId: models.id,
      versionId: modelVersions.id,
      version: modelVersions.version,
      algorithm: modelVersions.algorithm,
      artifactHash: modelVersions.artifactHash,
      lineage: modelVersions.lineage,
      reference: modelVersions.reference,
      since: modelAliases.updatedAt,
    })
    .from(modelAliases)
    .innerJoin(models, eq(models.id, modelAliases.modelId))
    .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId))
    .where(
      and(
        eq(models.workspaceId, workspaceId),
        eq(models.name, modelName),
        eq(modelAliases.alias, "production"),
      ),
    );
  if (!row) return null;
  const lineage = row.lineage as { runId?: string; deployRunId?: string };
  const producedBy = [lineage.deployRunId, lineage.runId].filter((r): r is string => !!r);
  const [producer] = producedBy.length
    ? await db
        .select({ pipelineVersionId: runs.pipelineVersionId })
        .from(runs)
        .where(inArray(runs.id, producedBy))
        .orderBy(desc(runs.createdAt))
        .limit(1)
    : [];
  return {
    ...row,
    reference: row.reference as { features?: FeatureReference[] } | null,
    pipelineVersionId: producer?.pipelineVersionId ?? null,
  };
}

/** Candidate and production test metrics, row by row, with the difference. */
function metricRows(candidate: Evaluation | undefined, production: Evaluation | undefined) {
  const c = candidate ? flattenMetrics(candidate.metrics) : {};
  const p = production ? flattenMetrics(production.metrics) : {};
  return [...new Set([...Object.keys(c), ...Object.keys(p)])].map((name) => ({
    name,
    candidate: c[name] ?? null,
    production: p[name] ?? null,
    delta: c[name] !== undefined && p[name] !== undefined ? c[name] - p[name] : null,
  }));
}
