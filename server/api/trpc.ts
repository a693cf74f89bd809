import { TRPCError, initTRPC } from "@trpc/server";
import { PipelineInvalidError } from "../compiler/compile";
import { getDb } from "../db/client";
import { PipelineFileError } from "../pipeline/load";
import { NotADatasetError } from "../services/datasets";
import { NotFoundError } from "../services/pipelines";
import { ConflictError } from "../services/runs";
import { ScheduleInputError } from "../services/schedules";
import { getTemporalClient } from "../temporal/client";

export function createContext() {
  return { getDb, getTemporal: getTemporalClient };
}
export type Context = ReturnType<typeof createContext>;

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        validationErrors: cause instanceof PipelineInvalidError ? cause.errors : null,
      },
    };
  },
});

/** Domain errors become the matching tRPC codes, keeping their messages. */
const errorMapping = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof PipelineInvalidError) {
      throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
    }
    if (cause instanceof NotADatasetError)
      throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
    if (cause instanceof ScheduleInputError)
      throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
    if (cause instanceof PipelineFileError)
      throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
    if (cause instanceof ConflictError)
      throw new TRPCError({ code: "CONFLICT", message: cause.message, cause });
    if (cause instanceof NotFoundError)
      throw new TRPCError({ code: "NOT_FOUND", message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
// Authentication and roles arrive with the people issue; every procedure already goes through here.
export const publicProcedure = t.procedure.use(errorMapping);
