import { columnsOf, requireColumns } from "../../lib/data/columns";
import { notFeatures } from "../../lib/data/roles";
import { quoteIdent, quoteLiteral } from "../../lib/data/sandbox";
import { fitTransformStep } from "../sdk/dataset-step";
import { defineActivity } from "../sdk/define";
import { encodeOnnx } from "./onnx";
import { prepEncode } from "./node";

export interface EncodeState {
  op: "encode";
  method: "onehot" | "ordinal";
  columns: { column: string; categories: string[] }[];
}

/** Idempotent: writes only content-addressed artifacts (each split, the fitted state). */
export const prepEncodeActivity = defineActivity(
  prepEncode,
  async (ctx, p) => {
    return fitTransformStep<EncodeState>(
      ctx,
      async (c, roles) => {
        const cols = await columnsOf(c, "train");
        requireColumns(cols, [...p.columns, ...p.exclude], "Encode categories");
        const skip = new Set([...p.exclude, ...(p.columns.length ? [] : notFeatures(roles))]);
        const targets = cols.filter(
          (col) =>
            (p.columns.length ? p.columns.includes(col.name) : col.type === "VARCHAR") &&
            !skip.has(col.name),
        );
        const columns: EncodeState["columns"] = [];
        for (const col of targets) {
          const q = quoteIdent(col.name);
          const rows = (
            await c.runAndReadAll(
              `SELECT ${q}::VARCHAR AS v FROM train WHERE ${q} IS NOT NULL GROUP BY v ORDER BY count(*) DESC, v LIMIT ${p.maxCategories}`,
            )
          ).getRowObjects();
          columns.push({ column: col.name, categories: rows.map((r) => String(r.v)).sort() });
        }
        return { op: "encode", method: p.method, columns };
      },
      async (c, input, output, state) => {
        const byName = new Map(state.columns.map((x) => [x.column, x]));
        const select = (await columnsOf(c, input)).flatMap((col) => {
          const e = byName.get(col.name);
          const q = quoteIdent(col.name);
          if (!e) return [q];
          if (state.method === "ordinal") {
            // Unknown or missing categories become -1.
            const cases = e.categories
              .map((cat, i) => `WHEN ${q}::VARCHAR = ${quoteLiteral(cat)} THEN ${i}`)
              .join(" ");
            return [`(CASE ${cases} ELSE -1 END)::INTEGER AS ${q}`];
          }
          return e.categories.map(
            (cat) =>
              `(${q}::VARCHAR IS NOT DISTINCT FROM ${quoteLiteral(cat)})::INTEGER AS ${quoteIdent(`${col.name}=${cat}`)}`,
          );
        });
        await c.run(
          `CREATE VIEW ${quoteIdent(output)} AS SELECT ${select.join(", ")} FROM ${quoteIdent(input)}`,
        );
      },
    );
  },
  { prepOnnx: { encode: encodeOnnx } },
);
