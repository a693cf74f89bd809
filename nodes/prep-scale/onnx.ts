import { ExportError } from "../../lib/errors";
import type { PrepOnnxOp } from "../../lib/ml/onnx/preprocess";
import type { ScaleState } from "./activity";

/** (x - offset) / scale, per column, in doubles as DuckDB computed it. */
export const scaleOnnx: PrepOnnxOp = (scope, step) => {
  for (const s of (step as ScaleState).columns) {
    const before = scope.column(s.column);
    if (!before) continue;
    scope.set(s.column, () => {
      const v = before();
      if (v.kind !== "num") throw new ExportError(`scale: column "${s.column}" is text`);
      return {
        kind: "num",
        v: scope.g.op("Div", [
          scope.g.op("Sub", [v.v, scope.double(s.offset)]),
          scope.double(s.scale),
        ]),
      };
    });
  }
};
