import { columnsOf } from "../../lib/data/columns";
import { loadDataset } from "../../lib/data/dataset";
import { openSandbox, quoteIdent } from "../../lib/data/sandbox";
import { defineActivity } from "../sdk/define";
import { StepInputError } from "../../lib/errors";
import { prepValidate } from "./node";

interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

/** Idempotent: passes its input through and writes one content-addressed report artifact. */
export const prepValidateActivity = defineActivity(prepValidate, async (ctx, p) => {
  const input = await ctx.inputPath("input");
  const box = await openSandbox(ctx.workDir);
  const checks: Check[] = [];
  try {
    const c = box.connection;
    await loadDataset(c, input, "input");
    const cols = await columnsOf(c, "input");
    const types = new Map(cols.map((col) => [col.name, col.type]));
    for (const want of p.columns) {
      const type = types.get(want.name);
      if (type === undefined)
        checks.push({ check: `column ${want.name}`, ok: false, detail: "missing" });
      else if (want.type && want.type.toUpperCase() !== type)
        checks.push({
          check: `column ${want.name}`,
          ok: false,
          detail: `is ${type}, expected ${want.type.toUpperCase()}`,
        });
      else checks.push({ check: `column ${want.name}`, ok: true, detail: type });
    }
    const [{ n } = { n: 0 }] = (
      await c.runAndReadAll("SELECT count(*)::BIGINT AS n FROM input")
    ).getRowObjects() as { n: bigint }[];
    const rows = Number(n);
    for (const r of p.ranges) {
      if (!types.has(r.column)) {
        checks.push({ check: `range ${r.column}`, ok: false, detail: "missing column" });
        continue;
      }
      const q = quoteIdent(r.column);
      const conds =
        [
          r.min !== undefined ? `${q} < ${r.min}` : null,
          r.max !== undefined ? `${q} > ${r.max}` : null,
        ]
          .filter(Boolean)
          .join(" OR ") || "FALSE";
      const bad = Number(
        (await c.runAndReadAll(`SELECT count(*) AS b FROM input WHERE ${conds}`)).getRowObjects()[0]
          ?.b ?? 0,
      );
      checks.push({
        check: `range ${r.column}`,
        ok: bad === 0,
        detail: `${bad} of ${rows} rows outside [${r.min ?? "-∞"}, ${r.max ?? "∞"}]`,
      });
    }
    for (const [column, max] of Object.entries(p.maxNullRate)) {
      if (!types.has(column)) {
        checks.push({ check: `nulls ${column}`, ok: false, detail: "missing column" });
        continue;
      }
      const nulls = Number(
        (
          await c.runAndReadAll(
            `SELECT count(*) AS m FROM input WHERE ${quoteIdent(column)} IS NULL`,
          )
        ).getRowObjects()[0]?.m ?? 0,
      );
      const rate = rows ? nulls / rows : 0;
      checks.push({
        check: `nulls ${column}`,
        ok: rate <= max,
        detail: `${(rate * 100).toFixed(2)}% missing, at most ${(max * 100).toFixed(2)}%`,
      });
    }
  } finally {
    box.close();
  }
  const failed = checks.filter((x) => !x.ok);
  for (const f of failed) ctx.log(`check failed: ${f.check}: ${f.detail}`);
  if (failed.length && p.onFailure === "fail") {
    throw new StepInputError(
      `Validate data: ${failed.length} check(s) failed: ${failed.map((f) => `${f.check} (${f.detail})`).join("; ")}`,
    );
  }
  // The data passes through unchanged: same bytes, same artifact.
  return {
    dataset: { ...ctx.inputs.input! },
    report: await ctx.writeJson("metrics", {
      passed: checks.length - failed.length,
      failed: failed.length,
      checks,
    }),
  };
});
