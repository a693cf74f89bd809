import type { DuckDBValue } from "@duckdb/node-api";
import { columnsOf, requireColumns } from "../../lib/data/columns";
import { withRowsChanged } from "../../lib/data/preprocessing";
import { quoteIdent } from "../../lib/data/sandbox";
import { datasetStep } from "../sdk/dataset-step";
import { defineActivity } from "../sdk/define";
import { StepInputError } from "../../lib/errors";
import { prepFilter } from "./node";

type Condition = ReturnType<typeof prepFilter.params.parse>["conditions"][number];

/** One condition as SQL with `?` placeholders; identifiers quoted, values always parameters. */
export function conditionSql(cond: Condition, values: DuckDBValue[]): string {
  const col = quoteIdent(cond.column);
  const need = () => {
    if (cond.value === undefined || Array.isArray(cond.value))
      throw new StepInputError(`Filter rows: "${cond.column} ${cond.op}" needs one value`);
    return cond.value;
  };
  switch (cond.op) {
    case "is null":
      return `${col} IS NULL`;
    case "is not null":
      return `${col} IS NOT NULL`;
    case "contains":
      values.push(String(need()));
      return `contains(${col}::VARCHAR, ?)`;
    case "in": {
      const list = Array.isArray(cond.value) ? cond.value : [need()];
      if (list.length === 0) return "FALSE";
      values.push(...list.map((v) => (typeof v === "boolean" ? String(v) : v)));
      return `${col} IN (${list.map(() => "?").join(", ")})`;
    }
    default: {
      const v = need();
      values.push(typeof v === "boolean" ? v : v);
      return `${col} ${cond.op === "!=" ? "<>" : cond.op} ?`;
    }
  }
}

/** Idempotent: writes only a content-addressed dataset artifact; rewriting a hash is a no-op. */
export const prepFilterActivity = defineActivity(prepFilter, async (ctx, p) => {
  return {
    dataset: await datasetStep(
      ctx,
      ["input"],
      async (c) => {
        requireColumns(
          await columnsOf(c, "input"),
          p.conditions.map((x) => x.column),
          "Filter rows",
        );
        const values: DuckDBValue[] = [];
        const where =
          p.conditions
            .map((cond) => `(${conditionSql(cond, values)})`)
            .join(p.combine === "all" ? " AND " : " OR ") || "TRUE";
        await c.run(`CREATE TABLE result AS SELECT * FROM input WHERE ${where}`, values);
        return "result";
      },
      // Rows it drops do not reach the model; a request is one row it would have kept.
      (pre) => withRowsChanged(pre, "Filter rows drops rows before the split"),
    ),
  };
});
