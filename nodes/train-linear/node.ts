import { z } from "zod";
import { defineTrainNode, targetParams } from "../train-ports";

export const trainLinear = defineTrainNode({
  type: "train.linear",
  title: "Linear regression",
  description: "Ridge regression (L2), solved exactly; predicts a number.",
  params: z.object({
    ...targetParams,
    alpha: z
      .number()
      .min(0)
      .default(1)
      .meta({ label: "L2 strength (alpha)", help: "As scikit-learn's Ridge." }),
  }),
  trainer: {
    algorithm: "linear",
    unit: "fits",
    task: "regression",
    tunable: { space: { alpha: { min: 0.001, max: 100, log: true, int: false } } },
  },
  eject: { language: "python" },
  docs: "Fits `y ≈ Xw + b` minimizing squared error plus `alpha·|w|²`. Features must be numbers without missing values: put Impute, Encode and Scale before it. The exported ONNX model applies that preprocessing itself and takes raw rows.",
});
