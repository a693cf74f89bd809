import { readFile } from "node:fs/promises";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { getNodeDefinition } from "../../../nodes";
import { analystProcedure, router } from "../trpc";

/** Node types name their folder: `prep.impute` lives in nodes/prep-impute/. */
const folderOf = (type: string) => type.replaceAll(".", "-");

export const nodesRouter = router({
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
});
