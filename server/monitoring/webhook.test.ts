import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "../../lib/env";
import { checkWebhookUrl, guardedLookup, isInternalAddress, postWebhook } from "./webhook";

describe("alert webhooks", () => {
  let server: http.Server;
  let port = 0;
  let received = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      received++;
      req.resume();
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.close();
    delete process.env.WEBHOOK_ALLOW_PRIVATE;
    resetEnvForTests();
  });

  it("knows internal addresses, IPv4-mapped ones included", () => {
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.20.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
      "::ffff:10.0.0.1",
    ])
      expect(isInternalAddress(a), a).toBe(true);
    for (const a of ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
      expect(isInternalAddress(a), a).toBe(false);
  });

  it("takes http(s) URLs only, without credentials or internal literal addresses", () => {
    expect(checkWebhookUrl("https://hooks.example.com/alert").hostname).toBe("hooks.example.com");
    const refused: [string, RegExp][] = [
      ["file:///etc/passwd", /http:\/\/ or https:\/\//],
      ["gopher://example.com/", /http:\/\/ or https:\/\//],
      ["not a url", /not a URL/],
      ["https://user:secret@example.com/", /user name or password/],
      ["http://127.0.0.1:8080/", /loopback, private or link-local/],
      ["http://[::1]/", /loopback, private or link-local/],
      ["http://localhost:3000/api", /loopback, private or link-local/],
      ["http://169.254.169.254/latest/meta-data/", /WEBHOOK_ALLOW_PRIVATE/],
      ["http://[::ffff:7f00:1]/", /loopback/],
    ];
    for (const [url, why] of refused) expect(() => checkWebhookUrl(url), url).toThrow(why);
  });

  it("refuses a name that resolves to loopback as it connects, and sends nothing", async () => {
    // The connection's own lookup: a name checked earlier cannot be re-pointed (DNS rebinding).
    const looked = await new Promise<Error | null>((resolve) =>
      guardedLookup("localhost", {}, (err) => resolve(err)),
    );
    expect(looked?.message).toMatch(/loopback, private or link-local/);
    await expect(postWebhook(`http://127.0.0.1:${port}/hook`, { a: 1 })).rejects.toThrow(
      /WEBHOOK_ALLOW_PRIVATE/,
    );
    expect(received).toBe(0);
  });

  it("an operator can allow private addresses", async () => {
    process.env.WEBHOOK_ALLOW_PRIVATE = "true";
    resetEnvForTests();
    expect(await postWebhook(`http://localhost:${port}/hook`, { a: 1 })).toBe(200);
    expect(received).toBe(1);
  });
});
