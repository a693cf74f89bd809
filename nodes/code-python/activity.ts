import { codeLimitDefaults } from "../code-ports";
import { codeStep, declaredIo } from "../code-step";
import { sandboxLimits } from "../../lib/sandbox/limits";
import { defineActivity } from "../sdk/define";
import { codePython } from "./node";

/**
 * Idempotent: the code runs sandboxed (no network, only this attempt's directory); the step writes
 * only content-addressed artifacts, and logs under its attempt.
 */
export const codePythonActivity = defineActivity(codePython, async (ctx, p) => {
  return codeStep(ctx, {
    language: "python",
    code: p.code,
    ...declaredIo(codePython.shape!(p), p.params),
    // The node's params, within the maximums the operator set (CODE_MAX_*).
    limits: sandboxLimits(p, "Python code", codeLimitDefaults),
  });
});
