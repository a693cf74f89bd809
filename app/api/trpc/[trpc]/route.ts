import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { assertSameOrigin } from "@/server/auth/csrf";
import { ForbiddenError } from "@/lib/errors";

export const dynamic = "force-dynamic";

const handler = (req: Request) => {
  try {
    assertSameOrigin(req);
  } catch (err) {
    if (err instanceof ForbiddenError)
      return Response.json({ error: err.message }, { status: 403 });
    throw err;
  }
  return fetchRequestHandler({ endpoint: "/api/trpc", req, router: appRouter, createContext });
};

export { handler as GET, handler as POST };
