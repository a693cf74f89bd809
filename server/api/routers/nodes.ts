import { readFile } from "node:fs/promises";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { getNodeDefinition } from "../../../nodes";
import { ejectedNode, ejectProblem } from "../../../nodes/eject";
import { defaultArtifactStore as artifactStore } from "../../artifacts/default-store";
import { probeColumns } from "../../services/probe-columns";
import { analystProcedure, dataScientistProcedure, router } from "../trpc";

/** Node types name their folder: `prep.impute` lives in nodes/prep-impute/. */
const folderOf = (type: string) => type.replaceAll(".", "-");

export const nodesRouter = router({
  /**
   * An ingest node's output columns before it runs, read from its file with its options: what
   * the canvas's column pickers and design-time checks start from.
   */
  probe: analystProcedure
    .input(z.object({ type: z.string().min(1).max(100), params: z.unknown() }))
    .query(({ ctx, input }) =>
      probeColumns(ctx.getDb(), artifactStore(), ctx.principal.workspaceId, input),
    ),

  /** How a built-in node is implemented: its definition and its activity, read-only. */
  source: analystProcedure
    .input(z.object({ type: z.string().min(1).max(100) }))
    .query(async ({ input }) => {
      if (!getNodeDefinition(input.type))
        throw new TRPCError({ code: "NOT_FOUND", message: `There is no node type ${input.type}` });
      const dir = path.join(process.cwd(), "nodes", folderOf(input.type));
      const read = (file: string) =>
        readFile(path.join(dir, file), "utf8").catch(() => null as string | null);
      const [definition, activity] = await Promise.all([read("node.ts"), read("activity.ts")]);
      return {
        files: [
          { path: `nodes/${folderOf(input.type)}/activity.ts`, text: activity },
          { path: `nodes/${folderOf(input.type)}/node.ts`, text: definition },
        ].filter((f): f is { path: string; text: string } => f.text !== null),
      };
    }),

  /**
   * A built-in node as an editable code node: its ports and params declared in the code (so its
   * edges and values stay), its code form from nodes/<type>/ejected.ts or .py. Code nodes are a
   * data scientist's to add.
   */
  eject: dataScientistProcedure
    .input(
      z.object({
        type: z.string().min(1).max(100),
        params: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .mutation(async ({ input }) => {
      const def = getNodeDefinition(input.type);
      if (!def)
        throw new TRPCError({ code: "NOT_FOUND", message: `There is no node type ${input.type}` });
      const problem = ejectProblem(def);
      if (problem) throw new TRPCError({ code: "BAD_REQUEST", message: problem });
      const file = `ejected.${def.eject!.language === "python" ? "py" : "ts"}`;
      const body = await readFile(
        path.join(process.cwd(), "nodes", folderOf(def.type), file),
        "utf8",
      );
      return ejectedNode(def, input.params, body);
    }),
});
