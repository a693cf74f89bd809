import { columnsOf, requireColumns } from "../../server/data/columns";
import { withStep } from "../../server/data/preprocessing";
import { quoteIdent } from "../../server/data/sandbox";
import { datasetStep } from "../../server/data/step";
import type { NodeActivity } from "../activity-types";
import { StepInputError } from "../errors";
import { prepSelect } from "./node";

/** Idempotent: writes only a content-addressed dataset artifact; rewriting a hash is a no-op. */
export const prepSelectActivity: NodeActivity = async (ctx) => {
  const p = prepSelect.params.parse(ctx.params);
  const columns: { from: string; to: string }[] = [];
  return {
    dataset: await datasetStep(
      ctx,
      ["input"],
      async (c) => {
        const all = await columnsOf(c, "input");
        requireColumns(all, [...p.columns, ...Object.keys(p.rename)], "Select columns");
        const listed = new Set(p.columns);
        const kept = all.filter((col) =>
          p.columns.length === 0
            ? true
            : p.mode === "keep"
              ? listed.has(col.name)
              : !listed.has(col.name),
        );
        if (kept.length === 0) throw new StepInputError("Select columns: no column would be left");
        const select = kept
          .map((col) => `${quoteIdent(col.name)} AS ${quoteIdent(p.rename[col.name] ?? col.name)}`)
          .join(", ");
        await c.run(`CREATE TABLE result AS SELECT ${select} FROM input`);
        kept.forEach((col) => columns.push({ from: col.name, to: p.rename[col.name] ?? col.name }));
        return "result";
      },
      (pre) => withStep(pre, { op: "select", columns }),
    ),
  };
};
