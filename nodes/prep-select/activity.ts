import { columnsOf, requireColumns } from "../../lib/data/columns";
import { withRowStep, withStep } from "../../lib/data/preprocessing";
import { quoteIdent } from "../../lib/data/sandbox";
import { datasetStep } from "../sdk/dataset-step";
import { defineActivity } from "../sdk/define";
import { StepInputError } from "../../lib/errors";
import { prepSelect } from "./node";

/** The recorded step: which columns the rows keep, under which names. */
interface SelectStep {
  op: "select";
  columns: { from: string; to: string }[];
}

/** Idempotent: writes only a content-addressed dataset artifact; rewriting a hash is a no-op. */
export const prepSelectActivity = defineActivity(
  prepSelect,
  async (ctx, p) => {
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
          if (kept.length === 0)
            throw new StepInputError("Select columns: no column would be left");
          const select = kept
            .map(
              (col) => `${quoteIdent(col.name)} AS ${quoteIdent(p.rename[col.name] ?? col.name)}`,
            )
            .join(", ");
          await c.run(`CREATE TABLE result AS SELECT ${select} FROM input`);
          kept.forEach((col) =>
            columns.push({ from: col.name, to: p.rename[col.name] ?? col.name }),
          );
          return "result";
        },
        (pre, input, output) => {
          const step: SelectStep = { op: "select", columns };
          // Before any fitted step, a select is a row step, so a split can trace its rows back to
          // the file; after one, it runs in the graph.
          return (
            withRowStep(pre, { op: "select", columns, what: "Select columns" }, input, output) ??
            withStep(pre, step, input)
          );
        },
      ),
    };
  },
  { prepOnnx: { select: (scope, step) => scope.select((step as SelectStep).columns) } },
);
