import { TRPCError, initTRPC } from "@trpc/server";
import { PipelineInvalidError } from "../compiler/compile";
import { getDb } from "../db/client";
import { PipelineFileError } from "../pipeline/load";
import { NotADatasetError } from "../services/datasets";
import { NotFoundError } from "../services/pipelines";
import { ConflictError } from "../services/runs";
import { ScheduleInputError } from "../services/schedules";
import { getTemporalClient } from "../temporal/client";
import { resolveRequest, type SessionUser } from "../auth/principal";
import { atLeast, roleLabels, type Principal, type Role } from "../auth/roles";
import { PeopleError } from "../auth/users";

export type Context = {
  getDb: typeof getDb;
  getTemporal: typeof getTemporalClient;
  user: SessionUser | null;
  principal: Principal | null;
};

/** The HTTP handler's context: whoever the session cookie says, in their chosen workspace. */
export async function createContext(opts: { req: Request }): Promise<Context> {
  const who = await resolveRequest(getDb(), opts.req.headers);
  return { getDb, getTemporal: getTemporalClient, ...who };
}

/** A context acting as someone, for tests, the CLI and server-side callers. */
export function contextFor(principal: Principal | null): Context {
  const user = principal
    ? { id: principal.userId, email: principal.email, name: principal.name }
    : null;
  return { getDb, getTemporal: getTemporalClient, user, principal };
}

/** Who may call a procedure: anyone, any signed-in person, or at least this role. */
export type Access = "public" | "signed-in" | Role;
export type Meta = { access: Access };

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
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
    if (cause instanceof PeopleError)
      throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const base = t.procedure.use(errorMapping);

export const publicProcedure = base.meta({ access: "public" });

export const signedInProcedure = base.meta({ access: "signed-in" }).use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  return next({ ctx: { user: ctx.user } });
});

/**
 * Runs before the input is parsed, so a caller without the role learns nothing about the input
 * it would need.
 */
function requireRole(min: Role) {
  return base.meta({ access: min }).use(({ ctx, path, next }) => {
    if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
    const p = ctx.principal;
    if (!p)
      throw new TRPCError({
        code: "FORBIDDEN",
        message: "You belong to no workspace yet: ask an admin to add you to one",
      });
    if (!atLeast(p.role, min))
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `${path} needs the ${roleLabels[min]} role; you are ${roleLabels[p.role]} in ${p.workspaceName}`,
      });
    return next({ ctx: { user: ctx.user, principal: p } });
  });
}

export const analystProcedure = requireRole("analyst");
export const dataScientistProcedure = requireRole("data_scientist");
export const managerProcedure = requireRole("manager");
export const adminProcedure = requireRole("admin");
