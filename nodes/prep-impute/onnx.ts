import type { PrepOnnxOp } from "../../lib/ml/onnx/preprocess";
import type { ImputeState } from "./activity";

/** Missing numbers (NaN) take the fitted value; missing text ("") is read as the fitted value. */
export const imputeOnnx: PrepOnnxOp = (scope, step) => {
  for (const f of (step as ImputeState).fill) {
    if (f.value === null) continue;
    const v = scope.get(f.column);
    if (v.kind === "num")
      scope.set(f.column, {
        kind: "num",
        v: scope.g.op("Where", [scope.g.op("IsNaN", [v.v]), scope.double(Number(f.value)), v.v]),
      });
    else scope.set(f.column, { ...v, missing: String(f.value) });
  }
};
