import { codeStep, declaredIo } from "../../server/sandbox/code-step";
import { sandboxLimits } from "../../server/sandbox/limits";
import type { NodeActivity } from "../activity-types";
import { codeTypescript } from "./node";

/**
 * Idempotent: the code runs sandboxed (no network, only this attempt's directory); the step writes
 * only content-addressed artifacts, and logs under its attempt.
 */
export const codeTypescriptActivity: NodeActivity = async (ctx) => {
  const p = codeTypescript.params.parse(ctx.params);
  return codeStep(ctx, {
    language: "typescript",
    code: p.code,
    ...declaredIo(codeTypescript.shape!(p), p.params),
    // The node's params, within the maximums the operator set (CODE_MAX_*).
    limits: sandboxLimits(p, "TypeScript code"),
  });
};
