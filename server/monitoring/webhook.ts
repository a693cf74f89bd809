import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { env } from "../../lib/env";
import { WebhookUrlError } from "../../lib/errors";

/**
 * Alert webhooks are requests the worker makes to an address a workspace member typed: only
 * http(s), and never to loopback, private, link-local or other internal addresses (the worker's
 * network is not the member's) unless WEBHOOK_ALLOW_PRIVATE is set. The address is checked as the
 * connection is made (no DNS rebinding between check and connect) and redirects are not followed.
 */

const internal = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  internal.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  internal.addSubnet(net, bits, "ipv6");

export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return internal.check(address, "ipv4");
  if (family !== 6) return true;
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? internal.check(mapped[1]!, "ipv4") : internal.check(address, "ipv6");
}

const allowPrivate = () => env().WEBHOOK_ALLOW_PRIVATE === true;

/** The URL's form: http(s), no credentials, and not a literal internal address. */
export function checkWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError("the webhook is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new WebhookUrlError(
      `the webhook must be an http:// or https:// URL (got ${url.protocol})`,
    );
  if (url.username || url.password)
    throw new WebhookUrlError("the webhook URL must not carry a user name or password");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!allowPrivate() && (host === "localhost" || host.endsWith(".localhost")))
    throw new WebhookUrlError(refusal(host));
  if (!allowPrivate() && isIP(host) && isInternalAddress(host))
    throw new WebhookUrlError(refusal(host));
  return url;
}

const refusal = (address: string) =>
  `the webhook's address ${address} is loopback, private or link-local; the worker does not send there unless an operator sets WEBHOOK_ALLOW_PRIVATE=true`;

/** DNS lookup that refuses internal addresses, used by the connection itself. */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, "", 0);
    const bad = addresses.find((a) => isInternalAddress(a.address));
    if (bad && !allowPrivate()) return callback(new WebhookUrlError(refusal(bad.address)), "", 0);
    if (options.all)
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
};

/** POSTs JSON to a checked webhook; resolves with the status code, rejects with why it could not. */
export async function postWebhook(raw: string, body: unknown, timeoutMs = 5000): Promise<number> {
  const url = checkWebhookUrl(raw);
  const payload = Buffer.from(JSON.stringify(body));
  const request = url.protocol === "https:" ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": payload.length },
        lookup: guardedLookup,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}
