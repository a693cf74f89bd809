import type { Client } from "@temporalio/client";
import { and, desc, eq, gte, inArray, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import {
  deployments,
  modelVersions,
  monitorResults,
  pipelines,
  pipelineVersions,
  predictions,
} from "../db/schema";
import type { Signature } from "../../lib/ml/export";
import { startRun } from "../services/runs";
import { featureDrift, psi, type FeatureReference } from "../../lib/ml/drift";
import { WebhookUrlError } from "../../lib/errors";
import { checkWebhookUrl, postWebhook } from "./webhook";

export const monitorConfig = z.object({
  deploymentId: z.string().uuid(),
  windowMinutes: z
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 60),
  minRows: z.number().int().min(1),
  psiThreshold: z.number().positive(),
  ksPValue: z.number().gt(0).lt(1),
  predictionPsiThreshold: z.number().positive(),
  webhookUrl: z.string().url().optional(),
  retrainPipelineId: z.string().uuid().optional(),
});
export type MonitorConfig = z.infer<typeof monitorConfig>;

interface Alert {
  kind: "feature_drift" | "prediction_drift" | "performance";
  message: string;
  feature?: string;
}

/**
 * One examination of a deployment's recent predictions against its primary version's training
 * reference. Idempotent by `key` (the scheduled workflow's id): a retried check returns the stored
 * result instead of recording, alerting or retraining twice. The retrain run is keyed by `key` too,
 * so a retry after a crash between the result and the retrain starts it; the webhook is sent at
 * most once (only by the attempt that recorded the result).
 */
export async function runMonitorCheck(
  db: Db,
  temporal: Client,
  config: MonitorConfig,
  key: string,
) {
  const [done] = await db.select().from(monitorResults).where(eq(monitorResults.checkKey, key));
  if (done) return retrainOnce(db, temporal, config, key, done);
  const [d] = await db.select().from(deployments).where(eq(deployments.id, config.deploymentId));
  if (!d) throw new Error(`deployment ${config.deploymentId} no longer exists`);
  const [version] = await db
    .select()
    .from(modelVersions)
    .where(eq(modelVersions.id, d.primaryVersionId));
  const signature = version!.signature as unknown as Signature;
  const reference =
    (version!.reference as { features?: FeatureReference[] } | null)?.features ?? [];
  const windowEnd = new Date();
  const windowStart = new Date(windowEnd.getTime() - config.windowMinutes * 60_000);
  const rows = await db
    .select({
      inputs: predictions.inputs,
      outputs: predictions.outputs,
      feedback: predictions.feedback,
    })
    .from(predictions)
    .where(
      and(
        eq(predictions.deploymentId, d.id),
        inArray(predictions.role, ["primary", "canary"]),
        gte(predictions.createdAt, windowStart),
      ),
    )
    .orderBy(desc(predictions.createdAt))
    .limit(100_000);

  const alerts: Alert[] = [];
  let features: ReturnType<typeof featureDrift>[] = [];
  let prediction: Record<string, unknown> | null = null;
  let performance: Record<string, unknown> | null = null;
  if (rows.length >= config.minRows) {
    features = reference.map((ref) =>
      featureDrift(
        ref,
        rows.map((r) => (r.inputs[ref.column] ?? null) as number | string | null),
        { psi: config.psiThreshold, ksPValue: config.ksPValue },
      ),
    );
    for (const f of features.filter((x) => x.drifted))
      alerts.push({
        kind: "feature_drift",
        feature: f.feature,
        message: `${f.feature} drifted: PSI ${f.psi.toFixed(3)}${f.pValue !== undefined ? `, KS p=${f.pValue.toExponential(2)}` : ""}`,
      });

    if (signature.classes) {
      // Predicted class shares against the training label shares.
      const train = (
        version!.metrics as { train?: { perClass?: { class: string; support: number }[] } }
      ).train;
      const support = train?.perClass ?? [];
      const total = support.reduce((a, c) => a + c.support, 0) || 1;
      const expected = signature.classes.map(
        (k) => (support.find((c) => c.class === String(k))?.support ?? 0) / total,
      );
      const observed = signature.classes.map(
        (k) => rows.filter((r) => String(r.outputs.label) === String(k)).length / rows.length,
      );
      const p = psi(expected, observed);
      prediction = { psi: p, classes: signature.classes.map(String), expected, observed };
      if (p > config.predictionPsiThreshold)
        alerts.push({
          kind: "prediction_drift",
          message: `predicted classes drifted: PSI ${p.toFixed(3)}`,
        });
      const labelled = rows.filter((r) => r.feedback);
      if (labelled.length) {
        const correct = labelled.filter(
          (r) => String((r.feedback as { label: unknown }).label) === String(r.outputs.label),
        ).length;
        performance = { labelled: labelled.length, accuracy: correct / labelled.length };
      }
    } else {
      const labelled = rows.filter((r) => r.feedback);
      if (labelled.length) {
        const se = labelled.reduce(
          (a, r) =>
            a +
            (Number((r.feedback as { label: unknown }).label) - Number(r.outputs.prediction)) ** 2,
          0,
        );
        performance = { labelled: labelled.length, rmse: Math.sqrt(se / labelled.length) };
      }
    }
  }

  const [result] = await db
    .insert(monitorResults)
    .values({
      checkKey: key,
      deploymentId: d.id,
      versionId: d.primaryVersionId,
      windowStart,
      windowEnd,
      rows: rows.length,
      features: features as unknown as Record<string, unknown>[],
      prediction,
      performance,
      alerts,
    })
    .onConflictDoNothing()
    .returning();
  if (!result)
    return retrainOnce(
      db,
      temporal,
      config,
      key,
      (await db.select().from(monitorResults).where(eq(monitorResults.checkKey, key)))[0]!,
    );

  if (alerts.length && config.webhookUrl) {
    await postWebhook(config.webhookUrl, {
      deployment: d.name,
      resultId: result.id,
      alerts,
    }).catch(() => undefined);
  }
  return retrainOnce(db, temporal, config, key, result);
}

/** Starts the retrain pipeline for a result with alerts, once: the run id is derived from `key`. */
async function retrainOnce(
  db: Db,
  temporal: Client,
  config: MonitorConfig,
  key: string,
  result: typeof monitorResults.$inferSelect,
) {
  if (!result.alerts.length || !config.retrainPipelineId || result.retrainRunId) return result;
  // Only a pipeline of the deployment's own workspace: the id is typed by a member of it.
  const [latest] = await db
    .select({ id: pipelineVersions.id })
    .from(pipelineVersions)
    .innerJoin(pipelines, eq(pipelines.id, pipelineVersions.pipelineId))
    .innerJoin(deployments, eq(deployments.workspaceId, pipelines.workspaceId))
    .where(
      and(
        eq(pipelineVersions.pipelineId, config.retrainPipelineId),
        eq(deployments.id, config.deploymentId),
        isNull(pipelines.deletedAt),
      ),
    )
    .orderBy(desc(pipelineVersions.version))
    .limit(1);
  if (!latest) return result;
  const { runId } = await startRun(db, temporal, {
    pipelineVersionId: latest.id,
    trigger: "monitor",
    idempotencyKey: `retrain:${key}`,
  });
  await db
    .update(monitorResults)
    .set({ retrainRunId: runId })
    .where(eq(monitorResults.id, result.id));
  return { ...result, retrainRunId: runId };
}

/** Why a monitor's config may not be used in this workspace, or null: checked when it is set. */
export async function monitorConfigProblem(
  db: Db,
  config: MonitorConfig,
  workspaceId: string,
): Promise<string | null> {
  if (config.webhookUrl) {
    try {
      checkWebhookUrl(config.webhookUrl);
    } catch (err) {
      if (err instanceof WebhookUrlError) return err.message;
      throw err;
    }
  }
  if (config.retrainPipelineId) {
    const [own] = await db
      .select({ id: pipelines.id })
      .from(pipelines)
      .where(
        and(
          eq(pipelines.id, config.retrainPipelineId),
          eq(pipelines.workspaceId, workspaceId),
          isNull(pipelines.deletedAt),
        ),
      );
    if (!own)
      return `the retrain pipeline ${config.retrainPipelineId} is not a pipeline of this workspace`;
  }
  return null;
}
