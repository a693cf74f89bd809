import { codeLimitDefaults } from "../code-ports";
import { codeStep, declaredIo } from "../code-step";
import { sandboxLimits } from "../../lib/sandbox/limits";
import { defineActivity } from "../sdk/define";
import { codeTypescript } from "./node";

/**
 * Idempotent: the code runs sandboxed (no network, only this attempt's directory); the step writes
 * only content-addressed artifacts, and logs under its attempt.
 */
export const codeTypescriptActivity = defineActivity(codeTypescript, async (ctx, p) => {
  return codeStep(ctx, {
    language: "typescript",
    code: p.code,
    ...declaredIo(codeTypescript.shape!(p), p.params),
    // The node's params, within the maximums the operator set (CODE_MAX_*).
    limits: sandboxLimits(p, "TypeScript code", codeLimitDefaults),
  });
});
