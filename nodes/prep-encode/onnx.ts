import { ExportError } from "../../lib/errors";
import type { PrepOnnxOp } from "../../lib/ml/onnx/preprocess";
import type { EncodeState } from "./activity";

/** The category's index (-1 when unknown or missing, as the SQL CASE gave), then one-hot or ordinal. */
export const encodeOnnx: PrepOnnxOp = (scope, step) => {
  const { g } = scope;
  const state = step as EncodeState;
  for (const e of state.columns) {
    const v = scope.get(e.column);
    let index: string;
    if (v.kind === "str") {
      const keys = [...e.categories];
      const values = e.categories.map((_, i) => i);
      if (v.missing !== undefined && !keys.includes("")) {
        const at = e.categories.indexOf(v.missing);
        if (at >= 0) {
          keys.push("");
          values.push(at);
        }
      }
      index = g.op(
        "LabelEncoder",
        [v.v],
        { keys_strings: { ss: keys }, values_int64s: { is: values }, default_int64: { i: -1 } },
        { domain: "ai.onnx.ml" },
      );
      index = g.op("Cast", [index], { to: { i: 11 } });
    } else {
      let sum = scope.double(-1);
      e.categories.forEach((cat, i) => {
        const n = Number(cat);
        if (!Number.isFinite(n))
          throw new ExportError(`encode: category "${cat}" of "${e.column}" is not a number`);
        const hit = g.op("Cast", [g.op("Equal", [v.v, scope.double(n)])], { to: { i: 11 } });
        sum = g.op("Add", [sum, g.op("Mul", [hit, scope.double(i + 1)])]);
      });
      index = sum;
    }
    scope.delete(e.column);
    if (state.method === "ordinal") scope.set(e.column, { kind: "num", v: index });
    else
      e.categories.forEach((cat, i) =>
        scope.set(`${e.column}=${cat}`, {
          kind: "num",
          v: g.op("Cast", [g.op("Equal", [index, scope.double(i)])], { to: { i: 11 } }),
        }),
      );
  }
};
