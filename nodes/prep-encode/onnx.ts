import { ExportError } from "../../lib/errors";
import { once, type OnnxValue, type PrepOnnxOp } from "../../lib/ml/onnx/preprocess";
import type { EncodeState } from "./activity";

/** The category's index (-1 when unknown or missing, as the SQL CASE gave), then one-hot or ordinal. */
export const encodeOnnx: PrepOnnxOp = (scope, step) => {
  const { g } = scope;
  const state = step as EncodeState;
  for (const e of state.columns) {
    const before = scope.column(e.column);
    if (!before) continue;
    const index = once((): string => {
      const v = before();
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
        const label = g.op(
          "LabelEncoder",
          [v.v],
          { keys_strings: { ss: keys }, values_int64s: { is: values }, default_int64: { i: -1 } },
          { domain: "ai.onnx.ml" },
        );
        return g.op("Cast", [label], { to: { i: 11 } });
      }
      let sum = scope.double(-1);
      e.categories.forEach((cat, i) => {
        const n = Number(cat);
        if (!Number.isFinite(n))
          throw new ExportError(`encode: category "${cat}" of "${e.column}" is not a number`);
        const hit = g.op("Cast", [g.op("Equal", [v.v, scope.double(n)])], { to: { i: 11 } });
        sum = g.op("Add", [sum, g.op("Mul", [hit, scope.double(i + 1)])]);
      });
      return sum;
    });
    scope.delete(e.column);
    if (state.method === "ordinal")
      scope.set(e.column, (): OnnxValue => ({ kind: "num", v: index() }));
    else
      e.categories.forEach((cat, i) =>
        scope.set(`${e.column}=${cat}`, (): OnnxValue => ({
          kind: "num",
          v: g.op("Cast", [g.op("Equal", [index(), scope.double(i)])], { to: { i: 11 } }),
        })),
      );
  }
};
