import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { getDb } from "../db/client";
import { accounts, sessions, users, verifications } from "../db/schema";
import { appUrl, env } from "../../lib/env";
import { derivedKey } from "../secrets";
import { signInLimiter } from "./signin-limit";

export { appUrl } from "../../lib/env";

/**
 * Secure cookies in production, unless the operator says otherwise; Chromium and Firefox accept
 * Secure cookies from http://localhost, so the embedded default keeps them too.
 */
export function secureCookies(): boolean {
  const e = env();
  if (e.AUTH_SECURE_COOKIES !== undefined) return e.AUTH_SECURE_COOKIES;
  return e.NODE_ENV === "production" || appUrl().startsWith("https://");
}

function createAuth() {
  const e = env();
  return betterAuth({
    appName: "Flowforge",
    baseURL: appUrl(),
    basePath: "/api/auth",
    secret: e.AUTH_SECRET ?? derivedKey("auth"),
    trustedOrigins: [appUrl()],
    database: drizzleAdapter(getDb(), {
      provider: "pg",
      usePlural: true,
      schema: { users, sessions, accounts, verifications },
    }),
    // Admins add people (server/auth/users.ts); nobody signs themselves up.
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 8 },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    // A flood guard per address; failed sign-ins have their own, tighter limit (signin-limit.ts).
    rateLimit: {
      enabled: true,
      window: 60,
      max: 300,
      customRules: { "/sign-in/email": { window: 60, max: 60 } },
    },
    hooks: signInLimiter(e.SIGNIN_ATTEMPTS_PER_MINUTE),
    advanced: {
      cookiePrefix: "flowforge",
      useSecureCookies: secureCookies(),
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" },
      database: { generateId: "uuid" },
      ipAddress: { ipAddressHeaders: ["x-forwarded-for", "x-real-ip"] },
    },
    telemetry: { enabled: false },
  });
}

let shared: ReturnType<typeof createAuth> | undefined;

export function getAuth() {
  shared ??= createAuth();
  return shared;
}

export function resetAuthForTests(): void {
  shared = undefined;
}
