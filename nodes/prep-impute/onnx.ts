import type { PrepOnnxOp } from "../../lib/ml/onnx/preprocess";
import type { ImputeState } from "./activity";

/** Missing numbers (NaN) take the fitted value; missing text ("") is read as the fitted value. */
export const imputeOnnx: PrepOnnxOp = (scope, step) => {
  for (const f of (step as ImputeState).fill) {
    const before = scope.column(f.column);
    if (f.value === null || !before) continue;
    scope.set(f.column, () => {
      const v = before();
      return v.kind === "num"
        ? {
            kind: "num",
            v: scope.g.op("Where", [
              scope.g.op("IsNaN", [v.v]),
              scope.double(Number(f.value)),
              v.v,
            ]),
          }
        : { ...v, missing: String(f.value) };
    });
  }
};
