import type { z } from "zod";
import type { PrepOnnxOp } from "../../lib/ml/onnx/preprocess";
import type { StepOutputs } from "../../workflows/plan";
import type { NodeDefinition } from "../types";
import type { StepContext } from "./context";
import type { Trainer } from "./trainer";

/** A node's server side: its activity and what else the worker needs from its folder. */
export interface NodeImplementation<P = unknown> {
  definition: NodeDefinition;
  /** Runs one step: the stored params are parsed once, before it is called. */
  activity(ctx: StepContext): Promise<StepOutputs>;
  /** The node's run with params already parsed (unit tests call this with a fake context). */
  run(ctx: StepContext<P>, params: P): Promise<StepOutputs>;
  /** Train nodes: how they train, for their own steps and for tune's trials. */
  trainer?: Trainer;
  /** Fitted prep nodes: how their recorded step (by op) runs per record inside an exported model. */
  prepOnnx?: Record<string, PrepOnnxOp>;
}

/**
 * A node's activity: `run` receives the step context and the params, parsed once with the
 * definition's schema (bad params fail the step at once, without retries).
 */
export function defineActivity<S extends z.ZodType>(
  definition: NodeDefinition<S>,
  run: (ctx: StepContext<z.infer<S>>, params: z.infer<S>) => Promise<StepOutputs>,
  extra: Pick<NodeImplementation, "trainer" | "prepOnnx"> = {},
): NodeImplementation<z.infer<S>> {
  return {
    definition,
    run,
    activity: async (ctx) => {
      const params = definition.params.parse(ctx.params);
      return run({ ...ctx, params }, params);
    },
    ...extra,
  };
}
