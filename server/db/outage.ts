import { setTimeout as sleep } from "node:timers/promises";

/**
 * Errors that mean "the database is not there right now" (restarting, failing over, unreachable),
 * not "this query is wrong": connection refused or reset, the server shutting down or starting up
 * (SQLSTATE 57P01-57P03), any SQLSTATE class 08 (connection exception), or postgres.js's own
 * CONNECTION_CLOSED and CONNECT_TIMEOUT. Drizzle wraps the driver's error as its `cause`.
 */
const NETWORK = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECT_TIMEOUT",
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    if (NETWORK.has(code) || /^57P0[123]$/.test(code) || /^08/.test(code)) return true;
  }
  return false;
}

/**
 * Runs `fn`, and again while it fails because the database is unavailable, with a backoff from
 * 200 ms to 5 s, for at most `maxWaitMs` or until `signal` aborts; other errors are thrown at
 * once. Only for idempotent work (keyed UPDATEs, upserts, reads): a connection lost mid-query may
 * or may not have committed it.
 */
export async function whileDatabaseUnavailable<T>(
  fn: () => Promise<T>,
  options: { signal?: AbortSignal; maxWaitMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.maxWaitMs ?? 120_000);
  for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await fn();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || options.signal?.aborted || Date.now() >= deadline)
        throw err;
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    }
  }
}
