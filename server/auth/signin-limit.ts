import { APIError, createAuthMiddleware, isAPIError } from "better-auth/api";
import { RateLimiterMemory } from "rate-limiter-flexible";

/**
 * Failed sign-ins, counted per client address and per email: after `max` failures in a minute
 * either one is refused with 429 until the minute is over. Successful sign-ins cost nothing, so an
 * office behind one address is not locked out at nine in the morning; guessing is.
 */
export function signInLimiter(max: number) {
  const failures = new RateLimiterMemory({ points: max, duration: 60 });
  const keysOf = (headers: Headers | undefined, body: unknown) => {
    const ip =
      headers?.get("x-forwarded-for")?.split(",")[0]?.trim() ||
      headers?.get("x-real-ip") ||
      "unknown";
    const email = (body as { email?: unknown } | undefined)?.email;
    return [`ip:${ip}`, ...(typeof email === "string" ? [`email:${email.toLowerCase()}`] : [])];
  };
  return {
    before: createAuthMiddleware(async (ctx) => {
      if (ctx.path !== "/sign-in/email") return;
      for (const key of keysOf(ctx.headers, ctx.body)) {
        const used = await failures.get(key);
        if (used && used.consumedPoints >= max)
          throw new APIError("TOO_MANY_REQUESTS", {
            message: `Too many failed sign-ins: try again in ${Math.ceil(used.msBeforeNext / 1000)} s`,
          });
      }
    }),
    after: createAuthMiddleware(async (ctx) => {
      if (ctx.path !== "/sign-in/email") return;
      const returned = ctx.context.returned;
      if (!isAPIError(returned) || returned.statusCode !== 401) return;
      await Promise.all(
        keysOf(ctx.headers, ctx.body).map((k) => failures.penalty(k, 1).catch(() => undefined)),
      );
    }),
  };
}
