import { columnsOf, requireColumns } from "../../lib/data/columns";
import { notFeatures } from "../../lib/data/roles";
import { isNumeric } from "../../lib/data/dataset";
import { quoteIdent } from "../../lib/data/sandbox";
import { fitTransformStep } from "../sdk/dataset-step";
import { defineActivity } from "../sdk/define";
import { scaleOnnx } from "./onnx";
import { StepInputError } from "../../lib/errors";
import { prepScale } from "./node";

export interface ScaleState {
  op: "scale";
  method: "standard" | "minmax";
  columns: { column: string; offset: number; scale: number }[];
}

/** Idempotent: writes only content-addressed artifacts (each split, the fitted state). */
export const prepScaleActivity = defineActivity(
  prepScale,
  async (ctx, p) => {
    return fitTransformStep<ScaleState>(
      ctx,
      async (c, roles) => {
        const cols = await columnsOf(c, "train");
        requireColumns(cols, [...p.columns, ...p.exclude], "Scale");
        const skip = new Set([...p.exclude, ...(p.columns.length ? [] : notFeatures(roles))]);
        const targets = cols.filter(
          (col) =>
            (p.columns.length ? p.columns.includes(col.name) : isNumeric(col.type)) &&
            !skip.has(col.name),
        );
        const bad = targets.filter((col) => !isNumeric(col.type));
        if (bad.length)
          throw new StepInputError(
            `Scale: ${bad.map((b) => `"${b.name}" is ${b.type}, not a number`).join(", ")}`,
          );
        const columns: ScaleState["columns"] = [];
        for (const col of targets) {
          const q = quoteIdent(col.name);
          const [s] = (
            await c.runAndReadAll(
              `SELECT avg(${q})::DOUBLE AS m, stddev_pop(${q})::DOUBLE AS sd, min(${q})::DOUBLE AS lo, max(${q})::DOUBLE AS hi FROM train`,
            )
          ).getRowObjects();
          const [offset, spread] =
            p.method === "standard"
              ? [Number(s?.m ?? 0), Number(s?.sd ?? 0)]
              : [Number(s?.lo ?? 0), Number(s?.hi ?? 0) - Number(s?.lo ?? 0)];
          // A constant column scales by 1 instead of dividing by zero.
          columns.push({
            column: col.name,
            offset,
            scale: spread > 0 && Number.isFinite(spread) ? spread : 1,
          });
        }
        return { op: "scale", method: p.method, columns };
      },
      async (c, input, output, state) => {
        const byName = new Map(state.columns.map((x) => [x.column, x]));
        const select = (await columnsOf(c, input))
          .map((col) => {
            const s = byName.get(col.name);
            const q = quoteIdent(col.name);
            return s ? `(${q}::DOUBLE - ${s.offset}) / ${s.scale} AS ${q}` : q;
          })
          .join(", ");
        await c.run(
          `CREATE VIEW ${quoteIdent(output)} AS SELECT ${select} FROM ${quoteIdent(input)}`,
        );
      },
    );
  },
  { prepOnnx: { scale: scaleOnnx } },
);
