import { resolveRequest } from "../auth/principal";
import { assertSameOrigin } from "../auth/csrf";
import { atLeast, roleLabels, type Principal, type Role } from "../../common/roles";
import { getDb } from "../db/client";
import { ForbiddenError, UnauthorizedError } from "../../lib/errors";

/**
 * Who may call each HTTP route under app/. tRPC checks its procedures one by one; serving routes
 * take a deployment's API key; health and sign-in are open. A route missing here fails
 * tests/integration/authz.test.ts.
 */
export const httpRoutes = {
  "/api/auth/[...all]": "public",
  "/api/health": "public",
  "/api/trpc/[trpc]": "per-procedure",
  "/api/uploads": "analyst",
  "/api/uploads/[uploadId]": "analyst",
  "/api/uploads/[uploadId]/complete": "analyst",
  "/api/artifacts/[hash]": "analyst",
  // Server metadata: what any Open Inference Protocol client asks first, before it sends a key.
  "/v2": "public",
  "/v2/[...path]": "api-key",
} as const satisfies Record<string, "public" | "per-procedure" | "api-key" | Role>;

/**
 * The signed-in caller with at least `min` in their workspace; else an UnauthorizedError (401) or
 * a ForbiddenError (403: a cross-site request is a CsrfError, one of them) to send back.
 */
export async function requireRole(req: Request, min: Role): Promise<Principal> {
  assertSameOrigin(req);
  const { user, principal, refused } = await resolveRequest(getDb(), req.headers);
  if (!user) throw new UnauthorizedError(refused ?? "Sign in first");
  if (!principal)
    throw new ForbiddenError("You belong to no workspace yet: ask an admin to add you to one");
  if (!atLeast(principal.role, min))
    throw new ForbiddenError(
      `${new URL(req.url).pathname} needs the ${roleLabels[min]} role; you are ${roleLabels[principal.role]}`,
    );
  return principal;
}
