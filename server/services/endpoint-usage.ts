import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { getNodeDefinition } from "../../nodes/index";
import { loadDataset } from "../../lib/data/dataset";
import { preprocessingOf } from "../../lib/data/preprocessing";
import { openSandbox, quoteIdent } from "../../lib/data/sandbox";
import type { Signature } from "../../lib/ml/export";
import { NotFoundError } from "../../lib/errors";
import type { Plan, StepOutputs } from "../../workflows/plan";
import type { ArtifactStore } from "../artifacts/store";
import type { Db } from "../db/client";
import { artifacts, deployments, modelVersions, runs, runSteps } from "../db/schema";

export interface EndpointUsage {
  name: string;
  alias: string;
  /** What a caller sends: one value per input, named by its column in the training file. */
  inputs: { name: string; column: string; type: "double" | "string"; sourceType: string }[];
  outputs: Signature["outputs"];
  task: Signature["task"];
  label: string;
  classes?: (string | number)[];
  /** The row steps the endpoint runs on each request before the model (derived columns, SQL). */
  rowSteps: string[];
  /** The step the inputs come out of, when one before the model cannot run per request. */
  startsAfter?: string;
  /** A row of the training data as a caller would send it, or null when none could be read. */
  example: Record<string, string | number | null> | null;
}

/**
 * How to call an endpoint: the primary version's input schema and a real training row to show
 * in examples. The row is read from the dataset that entered the model's fitted prep steps (the
 * raw rows its signature takes), found by walking the training run's plan back from the trainer.
 */
export async function endpointUsage(
  db: Db,
  store: ArtifactStore,
  workspaceId: string,
  deploymentId: string,
): Promise<EndpointUsage> {
  const [d] = await db
    .select({
      name: deployments.name,
      alias: deployments.alias,
      signature: modelVersions.signature,
      lineage: modelVersions.lineage,
    })
    .from(deployments)
    .innerJoin(modelVersions, eq(modelVersions.id, deployments.primaryVersionId))
    .where(and(eq(deployments.id, deploymentId), eq(deployments.workspaceId, workspaceId)));
  if (!d) throw new NotFoundError(`Deployment ${deploymentId} does not exist`);
  const sig = d.signature as unknown as Signature;
  const lineage = d.lineage as { runId?: string; stepId?: string };
  return {
    name: d.name,
    alias: d.alias,
    inputs: sig.inputs,
    rowSteps: sig.transform?.steps.map((step) => step.what ?? step.op) ?? [],
    startsAfter: sig.startsAfter,
    outputs: sig.outputs,
    task: sig.task,
    label: sig.label,
    classes: sig.classes,
    example: await exampleRow(db, store, lineage, sig).catch(() => null),
  };
}

/** The artifact of the raw rows that fed the trainer: back through fitted prep steps' `train`. */
async function rawTrainingData(db: Db, runId: string, trainerStep: string) {
  const [run] = await db.select({ plan: runs.plan }).from(runs).where(eq(runs.id, runId));
  if (!run) return undefined;
  const steps = new Map((run.plan as Plan).steps.map((s) => [s.id, s]));
  let ref = steps.get(trainerStep)?.inputs.train;
  for (let hops = 0; ref && hops < 100; hops++) {
    const from = steps.get(ref.step);
    if (!from) return undefined;
    if (getNodeDefinition(from.nodeType)?.serving !== "fitted") {
      const [row] = await db
        .select({ outputs: runSteps.outputs })
        .from(runSteps)
        .where(and(eq(runSteps.runId, runId), eq(runSteps.stepId, from.id)));
      return (row?.outputs as StepOutputs | null)?.[ref.port]?.hash;
    }
    ref = from.inputs.train;
  }
  return undefined;
}

async function exampleRow(
  db: Db,
  store: ArtifactStore,
  lineage: { runId?: string; stepId?: string },
  sig: Signature,
): Promise<EndpointUsage["example"]> {
  if (!lineage.runId || !lineage.stepId || !sig.inputs.length) return null;
  const hash = await rawTrainingData(db, lineage.runId, lineage.stepId);
  if (!hash) return null;
  const dir = await mkdtemp(path.join(os.tmpdir(), "flowforge-example-"));
  try {
    const file = path.join(dir, "data.parquet");
    // The file's rows behind the split, when row steps ran: what a client has.
    const [artifact] = await db
      .select({ metadata: artifacts.metadata })
      .from(artifacts)
      .where(eq(artifacts.hash, hash));
    const fileRows = preprocessingOf(artifact?.metadata).source?.rows?.hash;
    await store.downloadTo(fileRows ?? hash, file);
    const box = await openSandbox(dir, { threads: 1, memoryLimit: "256MB" });
    try {
      await loadDataset(box.connection, file, "data");
      const columns = sig.inputs.map((i) => quoteIdent(i.column));
      // The first row with every input present, else the first row.
      const complete = columns.map((c) => `${c} IS NOT NULL`).join(" AND ");
      const reader = await box.connection.runAndReadAll(
        `SELECT ${columns.join(", ")} FROM data ORDER BY (${complete}) DESC LIMIT 1`,
      );
      const row = reader.getRowObjectsJson()[0];
      if (!row) return null;
      return Object.fromEntries(
        sig.inputs.map((i) => {
          const v = row[i.column];
          if (v === null || v === undefined) return [i.column, null];
          return [
            i.column,
            i.type === "double" ? Number(v) : typeof v === "string" ? v : JSON.stringify(v),
          ];
        }),
      );
    } finally {
      box.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
