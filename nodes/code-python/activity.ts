import { codeStep, declaredIo } from "../../server/sandbox/code-step";
import { sandboxLimits } from "../../server/sandbox/limits";
import type { NodeActivity } from "../activity-types";
import { codePython } from "./node";

/**
 * Idempotent: the code runs sandboxed (no network, only this attempt's directory); the step writes
 * only content-addressed artifacts, and logs under its attempt.
 */
export const codePythonActivity: NodeActivity = async (ctx) => {
  const p = codePython.params.parse(ctx.params);
  return codeStep(ctx, {
    language: "python",
    code: p.code,
    ...declaredIo(codePython.shape!(p), p.params),
    // The node's params, within the maximums the operator set (CODE_MAX_*).
    limits: sandboxLimits(p, "Python code"),
  });
};
