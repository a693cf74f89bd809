import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";

/**
 * Pages need a session: without the cookie, go to sign-in first. This only checks that a cookie is
 * there (no database in the proxy); every API call still checks the session and the role.
 */
export function proxy(request: NextRequest) {
  if (getSessionCookie(request, { cookiePrefix: "flowforge" })) return NextResponse.next();
  const url = new URL("/sign-in", request.url);
  const next = request.nextUrl.pathname + request.nextUrl.search;
  if (next !== "/") url.searchParams.set("next", next);
  return NextResponse.redirect(url);
}

export const config = {
  matcher: ["/((?!api/|v2/|v2$|_next/|sign-in|icon.svg|favicon.ico).*)"],
};
