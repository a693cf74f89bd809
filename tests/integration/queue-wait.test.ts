import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { removeStackFile, writeStackFile } from "../../server/embedded/stack-file";
import { resetEnvForTests } from "../../lib/env";
import { closeDb } from "../../server/db/client";
import { closeTemporalClient } from "../../server/temporal/client";
import { callerAs } from "../people";
import { pipelineDoc, runCli, spawnWorkerProcess, waitFor, type WorkerProcess } from "../helpers";

// A short schedule-to-start timeout for the runs this file starts (read by startRun).
process.env.STEP_QUEUE_TIMEOUT_SECONDS = "8";
resetEnvForTests();

const api = callerAs("admin");

const pythonPipeline = (name: string) =>
  pipelineDoc(
    name,
    [
      { id: "raw", type: "ingest.sample", params: { dataset: "penguins" } },
      { id: "py", type: "code.python", params: {} },
    ],
    [{ source: "raw", sourcePort: "dataset", target: "py", targetPort: "input" }],
  );

describe("a step no worker can take", () => {
  let worker: WorkerProcess;
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "flowforge-queue-wait-"));
    // A cpu worker that cannot run Python (no packages where it looks): nobody polls `python`.
    worker = await spawnWorkerProcess("queue-wait-worker", {
      env: { CODE_PYTHON_PATH: path.join(dir, "no-python-here") },
    });
  });
  afterAll(async () => {
    await worker.stop();
    await rm(dir, { recursive: true, force: true });
    await closeTemporalClient();
    await closeDb();
  });

  it("says no worker polls its queue while it waits, then fails after the queue timeout", async () => {
    const saved = await api.pipelines.save({ document: pythonPipeline(`no python ${dir}`) });
    const t0 = Date.now();
    const { runId } = await api.runs.start({ pipelineId: saved.pipelineId, cache: false });

    const waiting = await waitFor(
      "the queued step's reason",
      async () => (await api.runs.get({ runId })).steps.find((s) => s.stepId === "py")?.waiting,
      20_000,
    );
    expect(waiting).toMatch(
      /^No worker polls the python queue: start one with `npm run worker -- --queues python`/,
    );
    expect(Date.now() - t0).toBeLessThan(15_000);

    const run = await waitFor(
      "the run to fail",
      async () => {
        const r = await api.runs.get({ runId });
        return r.status === "failed" ? r : null;
      },
      60_000,
    );
    const step = run.steps.find((s) => s.stepId === "py")!;
    expect(step.status).toBe("failed");
    expect(step.error).toContain("No worker polls the python queue");
    expect(step.error).toContain("waited 8 s");
    expect(step.waiting).toBeNull();
    expect(run.steps.find((s) => s.stepId === "raw")?.status).toMatch(/succeeded|cached/);
  });

  it("cli run --wait says so too, and exits 1 when the step gives up", async () => {
    const file = path.join(dir, "python.pipeline.json");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(file, JSON.stringify(pythonPipeline(`cli no python ${dir}`)));
    const r = await runCli(["run", file, "--wait", "--no-cache"], {
      STEP_QUEUE_TIMEOUT_SECONDS: "8",
    });
    expect(r.stderr).toContain("step py is waiting: No worker polls the python queue");
    expect(r.stdout).toMatch(/py\s+failed .*No worker polls the python queue/);
    expect(r.code).toBe(1);
  });

  it("the CLI finds the stack npm start wrote down, and says which it talks to", async () => {
    const dataDir = path.join(dir, "data");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(dataDir);
    await writeStackFile(dataDir, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      databaseUrl: inject("databaseUrl"),
      temporalAddress: inject("temporalAddress"),
      appUrl: "http://127.0.0.1:3999",
    });
    // Readable by its owner only: it holds the database password.
    expect((await stat(path.join(dataDir, "stack.json"))).mode & 0o777).toBe(0o600);
    const noVariables = { DATABASE_URL: "", TEMPORAL_ADDRESS: "", DATA_DIR: dataDir };

    const health = await runCli(["health", "--json"], noVariables);
    expect(JSON.parse(health.stdout)).toMatchObject({
      database: { ok: true },
      temporal: { ok: true },
    });
    const human = await runCli(["health"], noVariables);
    expect(human.stderr).toContain(
      `using the stack of npm start (pid ${process.pid}, http://127.0.0.1:3999; Temporal ${inject("temporalAddress")})`,
    );

    const hello = await runCli(
      ["run", "examples/hello.pipeline.json", "--wait", "--json"],
      noVariables,
    );
    expect(hello.code).toBe(0);
    expect(JSON.parse(hello.stdout)).toMatchObject({ status: "succeeded" });

    const embedded = await runCli(["health", "--embedded"], noVariables);
    expect(embedded.code).toBe(1);
    expect(embedded.stderr).toContain("drop --embedded to use its stack");

    // With the stack gone, the CLI says what to do instead of guessing.
    await removeStackFile(dataDir);
    const none = await runCli(["health"], noVariables);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("DATABASE_URL is not set and no `npm start` is running");
  });
});
