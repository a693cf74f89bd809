import { TRPCError, initTRPC } from "@trpc/server";
import { PipelineFileError } from "../../common/pipeline/parse";
import { getDb } from "../db/client";
import { PipelineInvalidError, trpcCodeOf, type TrpcCode } from "../../lib/errors";
import { getTemporalClient } from "../temporal/client";
import { resolveRequest, type SessionUser } from "../auth/principal";
import { atLeast, roleLabels, type Principal, type Role } from "../../common/roles";

export type Context = {
  getDb: typeof getDb;
  getTemporal: typeof getTemporalClient;
  user: SessionUser | null;
  principal: Principal | null;
  /** Why a bearer token was refused (unknown, revoked, expired), for the 401's message. */
  refused?: string;
  /** The caller authenticated with an API token rather than a session. */
  viaToken?: boolean;
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

/**
 * The tRPC code for an error a procedure threw: a domain error's by its base class (lib/errors),
 * and PipelineFileError's, which lives in common/ (shared with the browser, so outside that tree);
 * null for anything else, which tRPC reports as INTERNAL_SERVER_ERROR.
 */
function codeOf(err: unknown): TrpcCode | null {
  return err instanceof PipelineFileError ? "BAD_REQUEST" : trpcCodeOf(err);
}

/** Domain errors become the matching tRPC codes, keeping their messages. */
const errorMapping = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    const code = codeOf(cause);
    if (code && cause instanceof Error)
      throw new TRPCError({ code, message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const base = t.procedure.use(errorMapping);

export const publicProcedure = base.meta({ access: "public" });

const unauthorized = (ctx: Context) =>
  new TRPCError({ code: "UNAUTHORIZED", message: ctx.refused ?? "Sign in first" });

export const signedInProcedure = base.meta({ access: "signed-in" }).use(({ ctx, next }) => {
  if (!ctx.user) throw unauthorized(ctx);
  return next({ ctx: { user: ctx.user } });
});

/**
 * Runs before the input is parsed, so a caller without the role learns nothing about the input
 * it would need.
 */
function requireRole(min: Role) {
  return base.meta({ access: min }).use(({ ctx, path, next }) => {
    if (!ctx.user) throw unauthorized(ctx);
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
