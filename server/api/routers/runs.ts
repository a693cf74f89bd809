import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { workspaceSettings } from "../../auth/users";
import { assertPipeline, assertRun, visibleRuns } from "../../auth/access";
import { audit } from "../../auth/audit";
import { getPipelineVersion } from "../../services/pipelines";
import {
  approveStep,
  cancelRun,
  getRun,
  listRuns,
  listStepLogs,
  resumeRun,
  runStarter,
  startRun,
} from "../../services/runs";
import { ensureSamplePipeline } from "../../services/samples";
import { approvalContext } from "../../services/approval-context";
import { recordDecision } from "../../services/registry";
import { defaultArtifactStore as artifactStore } from "../../artifacts/default-store";
import { analystProcedure, managerProcedure, router } from "../trpc";

const runId = z.string().uuid();
const tag = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[\w.:-]+$/, "letters, digits, and . _ : - only");

export const runsRouter = router({
  list: analystProcedure
    .input(
      z
        .object({
          pipelineId: z.string().uuid().optional(),
          limit: z.number().int().min(1).max(500).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) =>
      listRuns(ctx.getDb(), { ...input, visible: visibleRuns(ctx.principal) }),
    ),
  logs: analystProcedure
    .input(
      z.object({
        runId,
        stepId: z.string().min(1).optional(),
        search: z.string().max(200).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      await assertRun(ctx.getDb(), ctx.principal, input.runId);
      return listStepLogs(ctx.getDb(), input);
    }),
  /** What a decision on a gated step rests on: candidate vs production, changes, data, drift. */
  approvalContext: analystProcedure
    .input(z.object({ runId, stepId: z.string().min(1).max(200) }))
    .query(async ({ ctx, input }) => {
      await assertRun(ctx.getDb(), ctx.principal, input.runId);
      return approvalContext(ctx.getDb(), artifactStore(), ctx.principal.workspaceId, input);
    }),
  get: analystProcedure.input(z.object({ runId })).query(async ({ ctx, input }) => {
    await assertRun(ctx.getDb(), ctx.principal, input.runId);
    return getRun(ctx.getDb(), input.runId);
  }),
  start: analystProcedure
    .input(
      z.object({
        pipelineId: z.string().uuid(),
        version: z.number().int().positive().optional(),
        cache: z.boolean().default(true),
        /** Run only this node, on the cached outputs of its upstream steps. */
        only: z.string().min(1).optional(),
        tags: z.array(tag).max(10).optional(),
        /** Who asks, as the run's trigger: the editor, or the remote CLI. */
        trigger: z.enum(["ui", "cli"]).default("ui"),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const p = ctx.principal;
      await assertPipeline(ctx.getDb(), p, input.pipelineId);
      const version = await getPipelineVersion(ctx.getDb(), input.pipelineId, input.version);
      const started = await startRun(ctx.getDb(), await ctx.getTemporal(), {
        pipelineVersionId: version.id,
        userId: p.userId,
        trigger: input.only ? "node" : input.trigger,
        cache: input.cache,
        only: input.only,
        tags: input.tags,
      });
      await audit(ctx.getDb(), p, {
        action: "run.start",
        targetType: "run",
        targetId: started.runId,
        detail: { pipelineId: input.pipelineId, version: version.version, only: input.only },
      });
      return started;
    }),
  startSample: analystProcedure.mutation(async ({ ctx }) => {
    const p = ctx.principal;
    const saved = await ensureSamplePipeline(ctx.getDb(), {
      workspaceId: p.workspaceId,
      userId: p.userId,
    });
    const started = await startRun(ctx.getDb(), await ctx.getTemporal(), {
      pipelineVersionId: saved.version.id,
      userId: p.userId,
      trigger: "sample",
    });
    await audit(ctx.getDb(), p, {
      action: "run.start",
      targetType: "run",
      targetId: started.runId,
      detail: { pipelineId: saved.pipelineId, sample: true },
    });
    return started;
  }),
  cancel: analystProcedure.input(z.object({ runId })).mutation(async ({ ctx, input }) => {
    await assertRun(ctx.getDb(), ctx.principal, input.runId);
    await cancelRun(ctx.getDb(), await ctx.getTemporal(), input.runId);
    await audit(ctx.getDb(), ctx.principal, {
      action: "run.cancel",
      targetType: "run",
      targetId: input.runId,
    });
    return { ok: true };
  }),
  /** Retry from failed (no fromStep) or re-run from a step, on the same or the latest version. */
  resume: analystProcedure
    .input(
      z.object({
        runId,
        fromStep: z.string().min(1).optional(),
        latestVersion: z.boolean().default(false),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await assertRun(ctx.getDb(), ctx.principal, input.runId);
      const started = await resumeRun(ctx.getDb(), await ctx.getTemporal(), {
        ...input,
        userId: ctx.principal.userId,
      });
      await audit(ctx.getDb(), ctx.principal, {
        action: "run.resume",
        targetType: "run",
        targetId: started.runId,
        detail: { from: input.runId, fromStep: input.fromStep },
      });
      return started;
    }),
  /** Approvals (a production deploy, an approval step) are a manager's decision. */
  approve: managerProcedure
    .input(
      z.object({
        runId,
        stepId: z.string().min(1),
        approved: z.boolean(),
        comment: z.string().max(2000).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const p = ctx.principal;
      await assertRun(ctx.getDb(), p, input.runId);
      // Four eyes: a change is approved by someone other than whoever started it.
      const fourEyes = async () => {
        if (!input.approved) return;
        const [{ fourEyes: on }, starter] = await Promise.all([
          workspaceSettings(ctx.getDb(), p.workspaceId),
          runStarter(ctx.getDb(), input.runId),
        ]);
        if (on && starter === p.userId)
          throw new TRPCError({
            code: "FORBIDDEN",
            message:
              "Four eyes: you started this run, so another manager approves it (an admin can turn four eyes off on the Members page)",
          });
      };
      await approveStep(ctx.getDb(), await ctx.getTemporal(), { ...input, by: p.email }, fourEyes);
      await recordDecision(ctx.getDb(), {
        ...input,
        workspaceId: p.workspaceId,
        actor: p.email,
      });
      await audit(ctx.getDb(), p, {
        action: input.approved ? "run.approve" : "run.reject",
        targetType: "run",
        targetId: input.runId,
        detail: { stepId: input.stepId, comment: input.comment },
      });
      return { ok: true };
    }),
});
