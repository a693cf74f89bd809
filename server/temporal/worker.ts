import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  NativeConnection,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundle,
} from "@temporalio/worker";
import { eq, sql } from "drizzle-orm";
import { createArtifactStore } from "../artifacts/store";
import { createDb } from "../db/client";
import { workers } from "../db/schema";
import { env, requireDatabaseUrl } from "../../lib/env";
import { createBookkeepingActivities } from "./bookkeeping";
import { temporalConnectionOptions } from "./connection";
import { WORKFLOW_TASK_QUEUE } from "./client";
import { probeProviders } from "../../lib/ml/ort";
import { createServiceActivities } from "./service-activities";
import { codePythonPath } from "../../nodes/code-step";
import { ensureBwrap } from "../../lib/sandbox/bwrap";
import { codeNodePython, ensurePythonPackages } from "../../lib/sandbox/python-packages";
import { detectRuntimes } from "../../lib/sandbox/runtimes";
import { detectGpus, type GpuInfo } from "./gpu";
import { createStepActivities } from "./step-runner";

export const workflowsPath = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../workflows/index.ts",
);

export interface RunningWorker {
  identity: string;
  queues: string[];
  gpus: GpuInfo[];
  /** Resolves when every queue's worker has stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

let bundle: Promise<WorkflowBundle> | undefined;
function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  return bundle;
}

const quietLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string) {
    console.warn(message);
  },
  error(message: string) {
    console.error(message);
  },
};

/**
 * The queues a worker polls: `gpu` only with a GPU, and `python` (code.python steps) whenever
 * this machine can run Python code nodes (Python, pandas and the sandbox), asked for or not.
 */
export function pollableQueues(
  requested: readonly string[],
  can: { gpu: boolean; python: boolean; noGpuReason?: string },
): { queues: string[]; skipped: string[] } {
  const skipped: string[] = [];
  const queues = requested.filter((q) => {
    if (q === "gpu" && !can.gpu)
      skipped.push(`no GPU: ${can.noGpuReason ?? "none detected"} (not polling the gpu queue)`);
    else if (q === "python" && !can.python)
      skipped.push(
        "no Python runtime for code nodes (python3, pandas, sandbox): not polling python",
      );
    else return true;
    return false;
  });
  if (can.python && !queues.includes("python") && queues.includes("cpu")) queues.push("python");
  return { queues, skipped };
}

/** Whether this worker should take python steps once the sandbox's packages are there. */
function wantsPython(requested: readonly string[]): boolean {
  return requested.includes("python") || requested.includes("cpu");
}

/**
 * Starts one Temporal worker per task queue in this process. Workflows run on the `cpu` queue;
 * every queue runs the step activities. GPUs are detected once at start-up and announced in the
 * `workers` table, which /api/health joins with Temporal's own poller list. Where Python code
 * nodes lack only their packages and CODE_PYTHON_INSTALL is on, they are installed in the
 * background and the `python` queue is polled once they are there.
 */
export async function startWorker(options: {
  queues: string[];
  identity?: string;
  log?: (line: string) => void;
}): Promise<RunningWorker> {
  const e = env();
  const log = options.log ?? ((line: string) => console.log(line));
  if (wantsPython(options.queues)) {
    // Code nodes need bubblewrap; a machine without it gets PyPI's static build under .data/tools.
    await ensureBwrap({ log }).catch((err: unknown) =>
      log(`code nodes unavailable: ${(err as Error).message}`),
    );
  }
  const [gpus, probe] = await Promise.all([detectGpus(), probeProviders()]);
  const providers = probe.providers;
  const runtimes: Record<string, unknown> = { ...(await detectRuntimes(codePythonPath())) };
  // A GPU step must never land on a machine without one: the gpu queue is polled only with a GPU
  // (nvidia-smi, or an onnxruntime GPU provider), unless the operator forces it (tests, or GPUs
  // that neither can see).
  const hasGpu = gpus.length > 0 || providers.some((p) => p !== "cpu");
  const canPython = (r: Record<string, unknown>) =>
    r.python !== null && r.pandas === true && r.sandboxProblem === null;
  const provisionPython =
    wantsPython(options.queues) &&
    !canPython(runtimes) &&
    runtimes.python !== null &&
    runtimes.sandboxProblem === null &&
    e.CODE_PYTHON_INSTALL === true;
  const { queues, skipped } = pollableQueues(
    provisionPython ? options.queues.filter((q) => q !== "python") : options.queues,
    {
      gpu: hasGpu || e.WORKER_FORCE_GPU_QUEUE === true,
      python: canPython(runtimes),
      noGpuReason: [
        "nvidia-smi found none",
        ...Object.entries(probe.unusable).map(([p, why]) => `${p}: ${why}`),
      ].join("; "),
    },
  );
  for (const why of skipped) console.warn(why);
  if (queues.length === 0) throw new Error("no task queue left to poll (see the warnings above)");
  const identity = options.identity ?? e.WORKER_IDENTITY ?? `${os.hostname()}-${process.pid}`;
  const { db, sql: pg } = createDb(requireDatabaseUrl(), { max: 5 });
  const store = createArtifactStore(e);
  const connection = await NativeConnection.connect(temporalConnectionOptions());

  const workRoot = path.join(e.dataDir, "work");
  await mkdir(workRoot, { recursive: true });
  const activities = {
    ...createBookkeepingActivities(db, store),
    ...createStepActivities({ db, store, identity, workRoot }),
    ...createServiceActivities(db),
  };

  const announce = () =>
    db
      .insert(workers)
      .values({
        identity,
        queues,
        gpus,
        providers,
        runtimes,
        hostname: os.hostname(),
        pid: process.pid,
        startedAt: new Date(),
        lastSeenAt: new Date(),
      })
      .onConflictDoUpdate({
        target: workers.identity,
        set: { queues, gpus, providers, runtimes, lastSeenAt: sql`now()`, stoppedAt: null },
      });

  const created: Worker[] = [];
  const running: Promise<void>[] = [];
  let stopping = false;
  const poll = async (taskQueue: string) => {
    const worker = await Worker.create({
      connection,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue,
      identity,
      activities,
      maxConcurrentActivityTaskExecutions: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      ...(taskQueue === WORKFLOW_TASK_QUEUE ? { workflowBundle: await workflowBundle() } : {}),
      shutdownGraceTime: "5 seconds",
      // Heartbeats reach the server at least this often, so cancellation reaches a step quickly.
      maxHeartbeatThrottleInterval: "2 seconds",
    });
    created.push(worker);
    running.push(worker.run());
  };

  if (provisionPython)
    runtimes.setup = [{ queue: "python", state: "installing", since: new Date().toISOString() }];
  await announce();
  const heartbeat = setInterval(() => void announce().catch(() => undefined), 10_000);
  await Promise.all(queues.map(poll));

  if (provisionPython) {
    const started = Date.now();
    const ticker = setInterval(
      () =>
        log(
          `python: still installing code-node packages (${Math.round((Date.now() - started) / 1000)} s)`,
        ),
      30_000,
    );
    void ensurePythonPackages({
      ...codeNodePython,
      dir: codePythonPath(),
      log: (line) => log(`python: ${line}; python steps wait until it is done`),
      progress: (line) => log(`python: ${line}`),
    })
      .then(async () => {
        Object.assign(runtimes, await detectRuntimes(codePythonPath()));
        if (!canPython(runtimes)) throw new Error("the packages are installed but do not import");
        if (stopping) return;
        delete runtimes.setup;
        await poll("python");
        queues.push("python");
        await announce();
        log(`python: ready in ${Math.round((Date.now() - started) / 1000)} s; polling python`);
      })
      .catch(async (err: unknown) => {
        const message = (err as Error).message;
        runtimes.setup = [
          {
            queue: "python",
            state: "failed",
            since: new Date().toISOString(),
            error: message.split("\n")[0],
          },
        ];
        log(`python: code nodes unavailable: ${message}`);
        await announce().catch(() => undefined);
      })
      .finally(() => clearInterval(ticker));
  }

  // Resolves once every worker has stopped, including one for a queue added after start-up.
  const allStopped = async () => {
    for (let seen = 0; seen < running.length; seen = running.length) await Promise.all(running);
  };
  const done = allStopped().then(async () => {
    clearInterval(heartbeat);
    await db
      .update(workers)
      .set({ stoppedAt: new Date() })
      .where(eq(workers.identity, identity))
      .catch(() => undefined);
    await connection.close();
    await pg.end({ timeout: 5 });
  });

  return {
    identity,
    queues,
    gpus,
    done,
    async shutdown() {
      stopping = true;
      for (const w of created) if (w.getState() === "RUNNING") w.shutdown();
      await done;
    },
  };
}
