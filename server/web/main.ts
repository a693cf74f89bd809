import { parseArgs } from "node:util";
import { env } from "../../lib/env";
import { serveWebApp } from "./server";

const { values } = parseArgs({ options: { port: { type: "string" }, host: { type: "string" } } });
const e = env();
await serveWebApp({
  port: values.port ? Number(values.port) : e.PORT,
  host: values.host ?? e.HOST,
}).catch((err: unknown) => {
  console.error(`web: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
