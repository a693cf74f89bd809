import type { IncomingMessage } from "node:http";

/**
 * The client's address as the web app sees it. Next.js keeps an `X-Forwarded-For` the client sent,
 * so anyone could pick the address the sign-in throttle counts against. Unless `hops` trusted
 * proxies stand in front (TRUST_PROXY_HOPS), the socket's address is the client; with proxies,
 * the address that many places from the right of the chain the last proxy saw.
 */
export function clientAddress(
  forwardedFor: string | string[] | undefined,
  socketAddress: string | undefined,
  hops: number,
): string {
  const socket = socketAddress ?? "unknown";
  if (hops <= 0) return socket;
  const chain = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  const seen = [...chain, socket];
  return seen[Math.max(0, seen.length - 1 - hops)]!;
}

/** Rewrites the request's forwarding headers to the one address the app may trust. */
export function normalizeForwarding(req: IncomingMessage, hops: number): void {
  req.headers["x-forwarded-for"] = clientAddress(
    req.headers["x-forwarded-for"],
    req.socket.remoteAddress,
    hops,
  );
  delete req.headers["x-real-ip"];
}
