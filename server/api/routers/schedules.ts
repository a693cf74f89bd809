import { z } from "zod";
import { listMonitorResults } from "../../services/monitoring";
import {
  createPipelineSchedule,
  deleteSchedule,
  listPipelineSchedules,
  pauseSchedule,
} from "../../services/schedules";
import { publicProcedure, router } from "../trpc";

const scheduleId = z.string().regex(/^(pipeline|monitor)-[0-9a-f-]{36}(-[0-9a-f]{8})?$/);

export const schedulesRouter = router({
  list: publicProcedure
    .input(z.object({ pipelineId: z.string().uuid().optional() }).optional())
    .query(async ({ ctx, input }) =>
      listPipelineSchedules(await ctx.getTemporal(), input?.pipelineId),
    ),
  create: publicProcedure
    .input(
      z.object({
        pipelineId: z.string().uuid(),
        cron: z.string().min(9).max(100),
        timezone: z.string().max(64).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => createPipelineSchedule(await ctx.getTemporal(), input)),
  pause: publicProcedure
    .input(z.object({ scheduleId, paused: z.boolean() }))
    .mutation(async ({ ctx, input }) =>
      pauseSchedule(await ctx.getTemporal(), input.scheduleId, input.paused),
    ),
  delete: publicProcedure
    .input(z.object({ scheduleId }))
    .mutation(async ({ ctx, input }) => deleteSchedule(await ctx.getTemporal(), input.scheduleId)),
});

export const monitoringRouter = router({
  results: publicProcedure
    .input(
      z.object({
        deploymentId: z.string().uuid(),
        limit: z.number().int().min(1).max(500).default(50),
      }),
    )
    .query(({ ctx, input }) => listMonitorResults(ctx.getDb(), input.deploymentId, input.limit)),
});
