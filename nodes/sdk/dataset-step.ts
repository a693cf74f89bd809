import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { StepContext } from "./context";
import type { ArtifactRef } from "../../workflows/plan";
import {
  describeParquet,
  loadDataset,
  writeDataset,
  type ColumnSchema,
} from "../../lib/data/dataset";
import {
  preprocessingOf,
  withStep,
  type PrepStep,
  type Preprocessing,
} from "../../lib/data/preprocessing";
import { rolesFor, rolesOf, type ColumnRoles } from "../../lib/data/roles";
import { openSandbox } from "../../lib/data/sandbox";

/**
 * The frame of every dataset step: a DuckDB sandboxed to the step's work directory, each input
 * port's dataset loaded as a view of the same name, and the relation `body` returns written to
 * Parquet and stored as a `dataset` artifact with its schema and profile.
 */
export async function datasetStep(
  ctx: StepContext,
  inputs: string[],
  /** Returns the relation to write, or `{ written }` when it wrote the output file itself. */
  body: (c: DuckDBConnection, output: string) => Promise<string | { written: string }>,
  /** How the first input's recorded preprocessing carries over (given that input and the output's columns); by default the output starts anew. */
  carry?: (p: Preprocessing, input: ArtifactRef, output: ColumnSchema[]) => Preprocessing,
): Promise<ArtifactRef> {
  // A step with no dataset inputs reads data in: its output is profiled now (see DatasetMetadata).
  const profile = inputs.length === 0;
  const first = inputs[0];
  const firstMetadata = first ? await ctx.inputMetadata(first) : undefined;
  const upstream = carry && firstMetadata ? preprocessingOf(firstMetadata) : undefined;
  const box = await openSandbox(ctx.workDir);
  try {
    for (const port of inputs) await loadDataset(box.connection, await ctx.inputPath(port), port);
    const out = path.join(ctx.workDir, "output.parquet");
    const result = await body(box.connection, out);
    const metadata =
      typeof result === "string"
        ? await writeDataset(box.connection, result, out, { profile })
        : await describeParquet(box.connection, result.written, { profile });
    ctx.log(`${metadata.rows} rows, ${metadata.schema.length} columns`);
    const preprocessing = upstream && first && carry?.(upstream, ctx.inputs[first]!, metadata.schema);
    const file = typeof result === "string" ? out : result.written;
    // Column roles travel on with the columns that still exist.
    const roles = firstMetadata
      ? rolesFor(
          rolesOf(firstMetadata),
          metadata.schema.map((c) => c.name),
        )
      : undefined;
    return await ctx.writeFile("dataset", file, { ...metadata, preprocessing, roles });
  } finally {
    box.close();
  }
}

export const splitPorts = ["train", "validation", "test"] as const;
export type SplitPort = (typeof splitPorts)[number];

/**
 * The frame of a fitted prep step: state is learned on `train` only, then applied to every split
 * that is connected; each split is written as a dataset and the state as a JSON artifact, so the
 * exported model can apply exactly the same transformation.
 */
export async function fitTransformStep<S extends PrepStep>(
  ctx: StepContext,
  /** Learns the state on `train`; `roles` says which columns are not features (leave them be). */
  fit: (c: DuckDBConnection, roles: ColumnRoles) => Promise<S>,
  apply: (c: DuckDBConnection, input: SplitPort, output: string, state: S) => Promise<void>,
): Promise<Record<string, ArtifactRef>> {
  const trainMetadata = await ctx.inputMetadata("train");
  const upstream = preprocessingOf(trainMetadata);
  const roles = rolesOf(trainMetadata);
  const box = await openSandbox(ctx.workDir);
  try {
    const present = splitPorts.filter((p) => ctx.inputs[p]);
    for (const port of present) await loadDataset(box.connection, await ctx.inputPath(port), port);
    const state = await fit(box.connection, roles);
    const outputs: Record<string, ArtifactRef> = {};
    for (const port of present) {
      // Each split keeps its own rows of the file (see RowSource.rows); the steps are train's.
      const own = port === "train" ? upstream : preprocessingOf(await ctx.inputMetadata(port));
      const relation = `${port}_out`;
      await apply(box.connection, port, relation, state);
      const file = path.join(ctx.workDir, `${port}.parquet`);
      const metadata = await writeDataset(box.connection, relation, file);
      outputs[port] = await ctx.writeFile("dataset", file, {
        ...metadata,
        preprocessing: withStep({ ...upstream, source: own.source }, state),
        roles: rolesFor(
          roles,
          metadata.schema.map((c) => c.name),
        ),
      });
    }
    outputs.state = await ctx.writeJson("json", state);
    return outputs;
  } finally {
    box.close();
  }
}
