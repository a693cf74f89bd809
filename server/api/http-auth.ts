import { resolveRequest } from "../auth/principal";
import { assertSameOrigin, CsrfError } from "../auth/csrf";
import { atLeast, roleLabels, type Principal, type Role } from "../auth/roles";
import { getDb } from "../db/client";

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
  "/v2/[...path]": "api-key",
} as const satisfies Record<string, "public" | "per-procedure" | "api-key" | Role>;

export class HttpAuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/** The signed-in caller with at least `min` in their workspace, or a 401/403 to send back. */
export async function requireRole(req: Request, min: Role): Promise<Principal> {
  try {
    assertSameOrigin(req);
  } catch (err) {
    if (err instanceof CsrfError) throw new HttpAuthError(403, err.message);
    throw err;
  }
  const { user, principal } = await resolveRequest(getDb(), req.headers);
  if (!user) throw new HttpAuthError(401, "Sign in first");
  if (!principal)
    throw new HttpAuthError(403, "You belong to no workspace yet: ask an admin to add you to one");
  if (!atLeast(principal.role, min))
    throw new HttpAuthError(
      403,
      `${new URL(req.url).pathname} needs the ${roleLabels[min]} role; you are ${roleLabels[principal.role]}`,
    );
  return principal;
}
