import path from "node:path";
import { columnsOf, requireColumns } from "../../lib/data/columns";
import { loadDataset, writeDataset } from "../../lib/data/dataset";
import { preprocessingOf } from "../../lib/data/preprocessing";
import { openSandbox, quoteIdent } from "../../lib/data/sandbox";
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
    await loadDataset(c, await ctx.inputPath("input"), "input");
    const named = [p.column, p.label, ...p.ids, ...p.ignored].filter(Boolean);
    const all = await columnsOf(c, "input");
    requireColumns(all, named, "Split");
    const roles = { label: p.label || undefined, ids: p.ids, ignored: p.ignored };
    let source = "input";
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
          `CREATE VIEW labelled AS SELECT * FROM input WHERE ${quoteIdent(p.label)} IS NOT NULL`,
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
      await c.run(
        `CREATE VIEW ${quoteIdent(port)} AS SELECT * EXCLUDE (__pos) FROM keyed WHERE ${where}`,
      );
      const file = path.join(ctx.workDir, `${port}.parquet`);
      const metadata = await writeDataset(c, port, file);
      outputs[port] = await ctx.writeFile("dataset", file, { ...metadata, preprocessing, roles });
    }
    return outputs;
  } finally {
    box.close();
  }
});
