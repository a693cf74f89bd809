import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { assertDeployment, assertPipeline, assertSchedule } from "../../auth/access";
import { audit } from "../../auth/audit";
import { pipelines } from "../../db/schema";
import { listMonitorResults } from "../../services/monitoring";
import {
  createPipelineSchedule,
  deleteSchedule,
  listPipelineSchedules,
  pauseSchedule,
} from "../../services/schedules";
import { analystProcedure, router } from "../trpc";

const scheduleId = z.string().regex(/^(pipeline|monitor)-[0-9a-f-]{36}(-[0-9a-f]{8})?$/);

export const schedulesRouter = router({
  list: analystProcedure
    .input(z.object({ pipelineId: z.string().uuid().optional() }).optional())
    .query(async ({ ctx, input }) => {
      const rows = await ctx
        .getDb()
        .select({ id: pipelines.id })
        .from(pipelines)
        .where(
          and(
            eq(pipelines.workspaceId, ctx.principal.workspaceId),
            isNull(pipelines.deletedAt),
            input?.pipelineId ? eq(pipelines.id, input.pipelineId) : undefined,
          ),
        );
      return listPipelineSchedules(await ctx.getTemporal(), new Set(rows.map((r) => r.id)));
    }),
  create: analystProcedure
    .input(
      z.object({
        pipelineId: z.string().uuid(),
        cron: z.string().min(9).max(100),
        timezone: z.string().max(64).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await assertPipeline(ctx.getDb(), ctx.principal, input.pipelineId);
      const created = await createPipelineSchedule(await ctx.getTemporal(), input);
      await audit(ctx.getDb(), ctx.principal, {
        action: "schedule.create",
        targetType: "schedule",
        targetId: created.scheduleId,
        detail: { pipelineId: input.pipelineId, cron: input.cron },
      });
      return created;
    }),
  pause: analystProcedure
    .input(z.object({ scheduleId, paused: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      await assertSchedule(ctx.getDb(), ctx.principal, input.scheduleId);
      const result = await pauseSchedule(await ctx.getTemporal(), input.scheduleId, input.paused);
      await audit(ctx.getDb(), ctx.principal, {
        action: input.paused ? "schedule.pause" : "schedule.resume",
        targetType: "schedule",
        targetId: input.scheduleId,
      });
      return result;
    }),
  delete: analystProcedure.input(z.object({ scheduleId })).mutation(async ({ ctx, input }) => {
    await assertSchedule(ctx.getDb(), ctx.principal, input.scheduleId);
    const result = await deleteSchedule(await ctx.getTemporal(), input.scheduleId);
    await audit(ctx.getDb(), ctx.principal, {
      action: "schedule.delete",
      targetType: "schedule",
      targetId: input.scheduleId,
    });
    return result;
  }),
});

export const monitoringRouter = router({
  results: analystProcedure
    .input(
      z.object({
        deploymentId: z.string().uuid(),
        limit: z.number().int().min(1).max(500).default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      await assertDeployment(ctx.getDb(), ctx.principal, input.deploymentId);
      return listMonitorResults(ctx.getDb(), input.deploymentId, input.limit);
    }),
});
