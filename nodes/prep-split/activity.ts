import path from "node:path";
import { columnsOf, requireColumns } from "../../lib/data/columns";
import { loadDataset, writeDataset } from "../../lib/data/dataset";
import { preprocessingOf, type Preprocessing } from "../../lib/data/preprocessing";
import type { RowSource } from "../../lib/data/row-steps";
import { openSandbox, quoteIdent, quoteLiteral } from "../../lib/data/sandbox";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { StepContext } from "../sdk/context";
import { defineActivity } from "../sdk/define";
import { prepSplit } from "./node";

/**
 * Every row gets a seeded pseudo-random key (a hash of its position and the seed); random splits
 * cut the key's range, stratified splits cut each group's rank, time splits cut the time order.
 * Idempotent: seeded, and writes only content-addressed dataset artifacts.
 */
export const prepSplitActivity = defineActivity(prepSplit, async (ctx, p) => {
  // Splitting moves rows, not columns: every split keeps the input's recorded preprocessing.
  const preprocessing = preprocessingOf(await ctx.inputMetadata("input"));
  const box = await openSandbox(ctx.workDir);
  try {
    const c = box.connection;
    const inputFile = await ctx.inputPath("input");
    await loadDataset(c, inputFile, "input");
    const traced = await traceable(ctx, c, preprocessing);
    const named = [p.column, p.label, ...p.ids, ...p.ignored].filter(Boolean);
    const all = await columnsOf(c, "input");
    requireColumns(all, named, "Split");
    const roles = { label: p.label || undefined, ids: p.ids, ignored: p.ignored };
    // With row steps upstream, each row keeps its position in the file so that each split can
    // also be written as the file's rows (what a client sends), for evaluation and references;
    // those rows keep the position too, as __ff_row (0 for the file's first row).
    let source = "input";
    if (traced)
      await c.run(
        `CREATE VIEW numbered AS SELECT * EXCLUDE (file_row_number), file_row_number AS __ff_row FROM read_parquet(${quoteLiteral(inputFile)}, file_row_number = true)`,
      );
    if (traced) source = "numbered";
    if (p.label) {
      // A row without a label teaches nothing and scores nothing: it is left out, and counted.
      const [row] = (
        await c.runAndReadAll(
          `SELECT count(*)::INTEGER AS n FROM input WHERE ${quoteIdent(p.label)} IS NULL`,
        )
      ).getRowObjects();
      const unlabelled = Number(row?.n ?? 0);
      if (unlabelled > 0) {
        ctx.log(`${unlabelled} rows without a label ("${p.label}") left out of every split`);
        await c.run(
          `CREATE VIEW labelled AS SELECT * FROM ${source} WHERE ${quoteIdent(p.label)} IS NOT NULL`,
        );
        source = "labelled";
      }
    }
    const trainCut = 1 - p.validation - p.test;
    const valCut = 1 - p.test;
    const key = `hash(row_number() OVER () || ':' || ${Number(p.seed)})`;
    const position =
      p.method === "random"
        ? "(__key % 1000000)::DOUBLE / 1000000"
        : p.method === "stratified"
          ? `(row_number() OVER (PARTITION BY ${quoteIdent(p.column)} ORDER BY __key) - 0.5) / count(*) OVER (PARTITION BY ${quoteIdent(p.column)})`
          : `(row_number() OVER (ORDER BY ${quoteIdent(p.column)}, __key) - 0.5) / count(*) OVER ()`;
    // A random split's position streams (a row's number and the seed), so each split re-reads the
    // input rather than holding a keyed copy of it; the others rank rows and need the copy.
    await c.run(
      `CREATE ${p.method === "random" ? "VIEW" : "TABLE"} keyed AS SELECT * EXCLUDE (__key), ${position} AS __pos FROM (SELECT *, ${key} AS __key FROM ${source})`,
    );
    const outputs: Record<string, Awaited<ReturnType<typeof ctx.writeFile>>> = {};
    const parts = {
      train: `__pos < ${trainCut}`,
      validation: `__pos >= ${trainCut} AND __pos < ${valCut}`,
      test: `__pos >= ${valCut}`,
    };
    for (const [port, where] of Object.entries(parts)) {
      const hidden = traced ? "__pos, __ff_row" : "__pos";
      await c.run(
        `CREATE VIEW ${quoteIdent(port)} AS SELECT * EXCLUDE (${hidden}) FROM keyed WHERE ${where}`,
      );
      const file = path.join(ctx.workDir, `${port}.parquet`);
      const metadata = await writeDataset(c, port, file);
      let own = preprocessing;
      if (traced) {
        await c.run(
          `CREATE VIEW ${quoteIdent(`${port}_file`)} AS SELECT * FROM file WHERE __ff_row IN (SELECT __ff_row FROM keyed WHERE ${where})`,
        );
        const rawFile = path.join(ctx.workDir, `${port}-file.parquet`);
        const rows = await ctx.writeFile("dataset", rawFile, {
          ...(await writeDataset(c, `${port}_file`, rawFile)),
        });
        own = { ...preprocessing, source: { ...traced, rows } };
      }
      outputs[port] = await ctx.writeFile("dataset", file, {
        ...metadata,
        preprocessing: own,
        roles,
      });
    }
    return outputs;
  } finally {
    box.close();
  }
});

/**
 * The file behind the input, loaded as the view `file` with each row's position, when row steps
 * ran since it and kept its rows one for one; undefined (and said why in the log) otherwise.
 */
async function traceable(
  ctx: StepContext,
  c: DuckDBConnection,
  pre: Preprocessing,
): Promise<RowSource | undefined> {
  const source = pre.source;
  if (!source) return undefined;
  if (source.untraceable) {
    ctx.log(`evaluation will score the split's rows, not the file's: ${source.untraceable}`);
    return undefined;
  }
  const file = await ctx.artifactPath(source.dataset.hash, "file.parquet");
  await c.run(
    `CREATE VIEW file AS SELECT * EXCLUDE (file_row_number), file_row_number AS __ff_row FROM read_parquet(${quoteLiteral(file)}, file_row_number = true)`,
  );
  const count = async (view: string) =>
    Number(
      (await c.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${view}`)).getRowObjects()[0]?.n,
    );
  const [fileRows, inputRows] = [await count("file"), await count("input")];
  if (fileRows !== inputRows) {
    ctx.log(
      `evaluation will score the split's rows, not the file's: the file has ${fileRows} rows and the split's input ${inputRows}`,
    );
    return undefined;
  }
  return { ...source, rows: undefined };
}
