import type { ValidationError } from "@/common/pipeline/validate";

/**
 * A problem's words without its node ("Label column: required"), for places that already show
 * the node: its card, its row in the Run dialog. The message itself names the node for the CLI.
 */
export function problemText(e: Pick<ValidationError, "nodeId" | "message">): string {
  const prefix = e.nodeId ? `Node "${e.nodeId}"` : null;
  if (!prefix || !e.message.startsWith(prefix)) return e.message;
  const rest = e.message
    .slice(prefix.length)
    .replace(/^\s*—\s*/, "")
    .trim();
  return rest ? rest.charAt(0).toUpperCase() + rest.slice(1) : e.message;
}
