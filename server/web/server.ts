import { createServer } from "node:http";
import next from "next";
import { env } from "../../lib/env";
import { normalizeForwarding } from "./client-address";

/**
 * The web app's HTTP server: Next.js's own handler behind a Node server that first sets the
 * client's address from the socket (or the trusted proxies), which `next start` cannot do.
 */
export async function serveWebApp(options: { port: number; host: string }): Promise<void> {
  const app = next({ dev: false, dir: process.cwd(), hostname: options.host, port: options.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const hops = env().TRUST_PROXY_HOPS;
  const server = createServer((req, res) => {
    normalizeForwarding(req, hops);
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  console.log(`web: listening on http://${options.host}:${options.port}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      server.close();
      void app.close().finally(() => process.exit(0));
      setTimeout(() => process.exit(0), 5000).unref();
    });
}
