import { columnsOf, requireColumns } from "../../lib/data/columns";
import { notFeatures } from "../../lib/data/roles";
import { isNumeric } from "../../lib/data/dataset";
import { quoteIdent, quoteLiteral } from "../../lib/data/sandbox";
import { fitTransformStep } from "../sdk/dataset-step";
import { defineActivity } from "../sdk/define";
import { imputeOnnx } from "./onnx";
import { StepInputError } from "../../lib/errors";
import { prepImpute } from "./node";

export interface ImputeState {
  op: "impute";
  strategy: string;
  fill: { column: string; type: string; value: string | number | null }[];
}

const sqlValue = (v: string | number | null) =>
  v === null ? "NULL" : typeof v === "number" ? String(v) : quoteLiteral(v);

/** Idempotent: writes only content-addressed artifacts (each split, the fitted state). */
export const prepImputeActivity = defineActivity(
  prepImpute,
  async (ctx, p) => {
    if (p.strategy === "constant" && p.constant === undefined)
      throw new StepInputError("Impute: the constant strategy needs a constant");
    return fitTransformStep<ImputeState>(
      ctx,
      async (c, roles) => {
        const cols = await columnsOf(c, "train");
        requireColumns(cols, p.columns, "Impute");
        const numericOnly = p.strategy === "mean" || p.strategy === "median";
        // By default every feature: never the label (filling it would invent training targets),
        // ids or ignored columns.
        const skip = new Set(notFeatures(roles));
        const targets = cols.filter((col) =>
          p.columns.length
            ? p.columns.includes(col.name)
            : !skip.has(col.name) && (!numericOnly || isNumeric(col.type)),
        );
        const bad = targets.filter((col) => numericOnly && !isNumeric(col.type));
        if (bad.length)
          throw new StepInputError(
            `Impute: ${p.strategy} needs numbers; ${bad.map((b) => `"${b.name}" is ${b.type}`).join(", ")}`,
          );
        const fill: ImputeState["fill"] = [];
        for (const col of targets) {
          const q = quoteIdent(col.name);
          const expr =
            p.strategy === "mean"
              ? `avg(${q})`
              : p.strategy === "median"
                ? `median(${q})`
                : `mode(${q})`;
          const value =
            p.strategy === "constant"
              ? p.constant!
              : ((
                  await c.runAndReadAll(`SELECT ${expr}::VARCHAR AS v FROM train`)
                ).getRowObjects()[0]?.v ?? null);
          const typed = value === null ? null : isNumeric(col.type) ? Number(value) : String(value);
          fill.push({ column: col.name, type: col.type, value: typed });
        }
        return { op: "impute", strategy: p.strategy, fill };
      },
      async (c, input, output, state) => {
        const byName = new Map(state.fill.map((f) => [f.column, f]));
        const select = (await columnsOf(c, input))
          .map((col) => {
            const f = byName.get(col.name);
            const q = quoteIdent(col.name);
            if (!f || f.value === null) return q;
            // A mean or median of whole numbers is fractional: the column becomes DOUBLE, as it would in pandas.
            const fractional =
              (state.strategy === "mean" || state.strategy === "median") && isNumeric(col.type);
            return fractional
              ? `coalesce(${q}::DOUBLE, ${sqlValue(f.value)}) AS ${q}`
              : `coalesce(${q}, ${sqlValue(f.value)}::${col.type}) AS ${q}`;
          })
          .join(", ");
        await c.run(
          `CREATE VIEW ${quoteIdent(output)} AS SELECT ${select} FROM ${quoteIdent(input)}`,
        );
      },
    );
  },
  { prepOnnx: { impute: imputeOnnx } },
);
