// Runs a TypeScript code node inside the sandbox: /work/ctx.json in, /work/out/* and metrics out.
import { closeSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";

// Only stdin, stdout and stderr reach user code (the sandbox closes the rest too; this is the
// second layer): descriptors Node did not open itself (they would be close-on-exec) are closed.
for (const fd of readdirSync("/proc/self/fd").map(Number)) {
  if (fd < 3) continue;
  try {
    const flags = /^flags:\s+(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"));
    if (flags && (parseInt(flags[1], 8) & 0o2000000) === 0) closeSync(fd);
  } catch {
    // closed meanwhile (readdirSync's own)
  }
}
const { DuckDBInstance } = await import("@duckdb/node-api");

const spec = JSON.parse(readFileSync("/work/ctx.json", "utf8"));
const db = await DuckDBInstance.create(":memory:", { threads: "1" });
const connection = await db.connect();
for (const [port, path] of Object.entries(spec.inputs))
  await connection.run(`CREATE VIEW "${port}" AS SELECT * FROM read_parquet('${path}')`);
const metrics = {};
const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;

const ctx = {
  params: spec.params,
  /** Rows of an input dataset, as objects. */
  async input(port) {
    if (!spec.inputs[port])
      throw new Error(
        `no dataset on input "${port}" (connected: ${Object.keys(spec.inputs).join(", ") || "none"})`,
      );
    return (await connection.runAndReadAll(`SELECT * FROM "${port}"`)).getRowObjectsJson();
  },
  /** A DuckDB query over the inputs (each is a view named after its port). */
  async query(sql) {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson();
  },
  /** Writes an output dataset from rows (objects) or from a DuckDB SELECT. */
  async output(port, data) {
    if (!spec.outputs.includes(port))
      throw new Error(`no output port "${port}" (ports: ${spec.outputs.join(", ")})`);
    mkdirSync("/work/out", { recursive: true });
    const file = `/work/out/${port}.parquet`;
    if (typeof data === "string") {
      await connection.run(`COPY (${data}) TO ${quote(file)} (FORMAT parquet)`);
      return;
    }
    writeFileSync("/work/out/rows.json", JSON.stringify(data));
    await connection.run(
      `COPY (SELECT * FROM read_json_auto('/work/out/rows.json')) TO ${quote(file)} (FORMAT parquet)`,
    );
  },
  metric(name, value) {
    metrics[String(name)] = value;
  },
  log(...parts) {
    console.error(...parts);
  },
  progress(done, total) {
    console.error(`__progress__ ${done} ${total}`);
  },
};

try {
  const mod = await import("/work/user_code.mjs");
  if (typeof mod.default !== "function")
    throw new Error("export default async function run(ctx) { … }");
  await mod.default(ctx);
  writeFileSync("/work/metrics.json", JSON.stringify(metrics));
} catch (err) {
  const frame = /user_code\.ts:(\d+)/.exec(String(err?.stack ?? ""));
  writeFileSync(
    "/work/error.json",
    JSON.stringify({
      type: err?.name ?? "Error",
      message: String(err?.message ?? err),
      line: frame ? Number(frame[1]) : null,
    }),
  );
  console.error(err?.stack ?? String(err));
  process.exit(1);
}
