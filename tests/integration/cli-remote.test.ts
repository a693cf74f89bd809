import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb } from "../../server/db/client";
import { closeTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, runCli, spawnWorkerProcess, type WorkerProcess } from "../helpers";
import { callerFor, newWorkspace, principalAs } from "../people";

// The CLI in remote mode, against the web app's tRPC route served over HTTP: its database and
// Temporal addresses point nowhere, so anything it did not do through the API would fail.

let worker: WorkerProcess;
let server: http.Server;
let base = "";
const tokens = { analyst: "", manager: "" };
let dir = "";

/** Node's HTTP server in front of the Next route handler, as the web app serves it. */
async function serveTrpc() {
  const { GET, POST } = await import("../../app/api/trpc/[trpc]/route");
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === "string") headers.set(k, v);
      const request = new Request(`${base}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === "POST" ? Buffer.concat(chunks) : undefined,
      });
      void (async () => {
        const r = await (req.method === "POST" ? POST : GET)(request);
        res.writeHead(r.status, Object.fromEntries(r.headers));
        res.end(Buffer.from(await r.arrayBuffer()));
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const nowhere = {
  DATABASE_URL: "postgres://nobody:nothing@127.0.0.1:9/none",
  TEMPORAL_ADDRESS: "127.0.0.1:9",
};
const remote = (args: string[], token = tokens.analyst) =>
  runCli(args, { ...nowhere, FLOWFORGE_URL: base, FLOWFORGE_TOKEN: token });
const direct = (args: string[]) =>
  runCli(args, {
    DATABASE_URL: inject("databaseUrl"),
    TEMPORAL_ADDRESS: inject("temporalAddress"),
  });

type Summary = {
  runId: string;
  status: string;
  steps: { id: string; status: string }[];
};

beforeAll(async () => {
  worker = await spawnWorkerProcess("cli-remote-worker");
  const ws = await newWorkspace("Remote CLI");
  const analyst = await principalAs("analyst", ws.id);
  const manager = await principalAs("manager", ws.id);
  tokens.analyst = (await callerFor(analyst).tokens.create({ name: "ci" })).token;
  tokens.manager = (await callerFor(manager).tokens.create({ name: "release" })).token;
  dir = await mkdtemp(path.join(os.tmpdir(), "flowforge-cli-remote-"));
  await serveTrpc();
}, 120_000);

afterAll(async () => {
  server.close();
  await worker.stop();
  await closeTemporalClient();
  await closeDb();
});

describe("the CLI in remote mode", () => {
  it("runs, resumes, exports and diffs with the same results as direct mode", async () => {
    const [viaApi, viaDb] = await Promise.all([
      remote(["run", "examples/hello.pipeline.json", "--wait", "--json", "--no-cache"]),
      direct(["run", "examples/hello.pipeline.json", "--wait", "--json", "--no-cache"]),
    ]);
    expect(viaApi.stderr).toBe("");
    expect(viaApi.code).toBe(0);
    expect(viaDb.code).toBe(0);
    const a = JSON.parse(viaApi.stdout) as Summary;
    const b = JSON.parse(viaDb.stdout) as Summary;
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(a.steps.map((s) => [s.id, s.status])).toEqual(b.steps.map((s) => [s.id, s.status]));
    expect(a.status).toBe("succeeded");

    const resumed = await remote(["resume", a.runId, "--from", "sum", "--wait", "--json"]);
    expect(resumed.code).toBe(0);
    expect((JSON.parse(resumed.stdout) as Summary).steps.map((s) => [s.id, s.status])).toEqual([
      ["numbers", "cached"],
      ["wait", "cached"],
      ["sum", "succeeded"],
    ]);
    const unknown = await remote(["resume", a.runId, "--from", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("No step nope");

    const status = await remote(["status", a.runId, "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ runId: a.runId, status: "succeeded" });

    // Status reads the same either way, and listing schedules goes through the API too.
    const statusDirect = await direct(["status", a.runId, "--json"]);
    expect(JSON.parse(statusDirect.stdout)).toEqual(JSON.parse(status.stdout));
    const schedules = await remote(["schedule", "list", "--json"]);
    expect(schedules.code).toBe(0);
    expect(JSON.parse(schedules.stdout)).toEqual([]);
  });

  it("exports a version and diffs it against the file, as direct mode does", async () => {
    const run = await remote(["run", "examples/hello.pipeline.json", "--wait", "--json"]);
    const { runId } = JSON.parse(run.stdout) as Summary;
    const get = await fetch(
      `${base}/api/trpc/runs.get?input=${encodeURIComponent(JSON.stringify({ runId }))}`,
      { headers: { authorization: `Bearer ${tokens.analyst}` } },
    );
    const { pipelineId } = ((await get.json()) as { result: { data: { pipelineId: string } } })
      .result.data;
    const [yamlRemote, yamlDirect] = await Promise.all([
      remote(["export", `${pipelineId}@1`, "--format", "yaml"]),
      direct(["export", `${pipelineId}@1`, "--format", "yaml"]),
    ]);
    expect(yamlRemote.code).toBe(0);
    expect(yamlRemote.stdout).toBe(yamlDirect.stdout);
    expect(yamlRemote.stdout).toContain("apiVersion: flowforge.dev/v2");
    const diff = await remote(["diff", `${pipelineId}@1`, "examples/hello.pipeline.json"]);
    expect(diff.stdout.trim()).toBe("no changes");
  });

  it("approves where the role allows, cancels, and refuses bad tokens with a clear error", async () => {
    const gated = path.join(dir, "gated.json");
    await writeFile(
      gated,
      JSON.stringify(
        pipelineDoc(
          "remote gated",
          [
            { id: "src", type: "internal.numbers" },
            { id: "deploy", type: "internal.sleep", params: { ms: 0, needsApproval: true } },
          ],
          [{ source: "src", sourcePort: "numbers", target: "deploy", targetPort: "in" }],
        ),
      ),
    );
    const started = await remote(["run", gated, "--json"]);
    expect(started.code).toBe(0);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    for (let i = 0; i < 100; i++) {
      const s = JSON.parse((await remote(["status", runId, "--json"])).stdout) as Summary;
      if (s.status === "awaiting_approval") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const refused = await remote(["approve", runId, "deploy"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/forbidden: runs\.approve needs the Manager role/);
    const approved = await remote(
      ["approve", runId, "deploy", "--comment", "from CI", "--json"],
      tokens.manager,
    );
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toEqual({ runId, stepId: "deploy", approved: true });
    const done = await remote(["status", runId, "--wait", "--json"]);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ status: "succeeded" });

    const slow = path.join(dir, "slow.json");
    await writeFile(
      slow,
      JSON.stringify(
        pipelineDoc("remote slow", [
          { id: "slow", type: "internal.sleep", params: { ms: 600_000 } },
        ]),
      ),
    );
    const long = JSON.parse((await remote(["run", slow, "--json"])).stdout) as { runId: string };
    const cancelled = await remote(["cancel", long.runId, "--json"]);
    expect(cancelled.code).toBe(0);
    const ended = await remote(["status", long.runId, "--wait", "--json"]);
    expect(ended.code).toBe(1);
    expect(JSON.parse(ended.stdout)).toMatchObject({ status: "cancelled" });

    const bad = await remote(["status", runId], "fft_wrong");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unauthorized: Unknown API token/);
    const none = await runCli(["status", runId], { ...nowhere, FLOWFORGE_URL: base });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/needs an API token/);
    const decideDirect = await direct(["approve", runId, "deploy"]);
    expect(decideDirect.code).toBe(2);
    expect(decideDirect.stderr).toMatch(/remote mode/);
  });
});
