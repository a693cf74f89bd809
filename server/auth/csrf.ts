import { CsrfError } from "../../lib/errors";
import { appUrl } from "./auth";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * State-changing requests that carry a session cookie must come from our own pages: the Origin
 * header (or, where a browser omits it, Sec-Fetch-Site) has to name this app. SameSite=Lax cookies
 * already stop most cross-site posts; this closes the rest (same-site subdomains, old browsers).
 */
export function assertSameOrigin(req: Request): void {
  if (SAFE_METHODS.has(req.method)) return;
  if (!req.headers.get("cookie")) return;
  const allowed = new Set([appUrl(), new URL(req.url).origin]);
  const origin = req.headers.get("origin");
  if (origin) {
    if (allowed.has(origin)) return;
    throw new CsrfError(`cross-site ${req.method} from ${origin} refused`);
  }
  const site = req.headers.get("sec-fetch-site");
  if (site === "same-origin" || site === "none") return;
  throw new CsrfError(
    `${req.method} ${new URL(req.url).pathname} refused: send an Origin header naming ${appUrl()}`,
  );
}
