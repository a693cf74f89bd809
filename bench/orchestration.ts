import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { and, eq, gt } from "drizzle-orm";
import { DEFAULT_WORKSPACE_ID } from "../server/auth/users";
import { compilePipeline } from "../server/compiler/compile";
import { pipelineVersions, runSteps } from "../server/db/schema";
import { validatePipeline } from "../common/pipeline/validate";
import { savePipeline } from "../server/services/pipelines";
import { queueTimeoutMs, recordRun, startRun, waitForRun } from "../server/services/runs";
import type { PlanStep } from "../workflows/plan";
import { bySize, median, round, startBenchStack, writeResult, type BenchCase } from "./lib";

/**
 * `npm run bench -- orchestration`: the interpreter's per-step overhead against a hand-written
 * workflow calling the same no-op activity on the same server and worker; a cached re-run; and
 * validation + compilation of a 1,000-node graph, with the event count of a 1,000-step run.
 */
const REPEATS = bySize(3, 1);
const CHAINS = bySize([10, 50, 200], [3]);
const CACHED_STEPS = 6;
const BIG = bySize(1000, 30);
const COMPILE_REPEATS = bySize(20, 3);

const doc = (name: string, nodes: unknown[], edges: unknown[]) => ({
  apiVersion: "flowforge.dev/v1",
  kind: "Pipeline",
  name,
  nodes,
  edges,
});
const chain = (name: string, n: number, tag: string) =>
  doc(
    name,
    Array.from({ length: n }, (_, i) => ({
      id: `s${String(i).padStart(4, "0")}`,
      type: "internal.noop",
      params: { tag },
    })),
    Array.from({ length: n - 1 }, (_, i) => ({
      source: `s${String(i).padStart(4, "0")}`,
      sourcePort: "out",
      target: `s${String(i + 1).padStart(4, "0")}`,
      targetPort: "in",
    })),
  );
/** A tree: node i reads node floor((i-1)/fanout); wide enough to run in parallel, deep enough to chain. */
const tree = (name: string, n: number, fanout: number) =>
  doc(
    name,
    Array.from({ length: n }, (_, i) => ({
      id: `n${i}`,
      type: "internal.noop",
      params: { tag: `t${i}` },
    })),
    Array.from({ length: n - 1 }, (_, j) => ({
      source: `n${Math.floor(j / fanout)}`,
      sourcePort: "out",
      target: `n${j + 1}`,
      targetPort: "in",
    })),
  );

const dataDir = await mkdtemp(path.join(os.tmpdir(), "flowforge-bench-"));
console.log("starting a throw-away stack…");
const bench = await startBenchStack({
  dataDir,
  workflowsPath: path.join(path.dirname(fileURLToPath(import.meta.url)), "workflows.ts"),
  identity: "bench-worker",
});
const { db, client } = bench;

const save = (document: unknown) =>
  savePipeline(db, { document, workspaceId: DEFAULT_WORKSPACE_ID });

async function timeProduct(
  document: unknown,
  cache: boolean,
): Promise<{ ms: number; runId: string }> {
  const saved = await save(document);
  const t0 = performance.now();
  const { runId, workflowId } = await startRun(db, client, {
    pipelineVersionId: saved.version.id,
    cache,
  });
  const summary = await waitForRun(client, workflowId);
  const ms = performance.now() - t0;
  if (summary.status !== "succeeded") throw new Error(`bench run ${runId} ${summary.status}`);
  return { ms, runId };
}

/**
 * A run as startRun records it, without its runPipeline workflow: the step activities write to
 * their rows and read the run's workspace, so the raw chain needs both.
 */
async function recordRawRun(versionId: string): Promise<{ runId: string; steps: PlanStep[] }> {
  const [version] = await db
    .select()
    .from(pipelineVersions)
    .where(eq(pipelineVersions.id, versionId));
  const { plan, hash } = compilePipeline(version!.graph);
  const runId = crypto.randomUUID();
  await recordRun(db, {
    id: runId,
    pipelineId: version!.pipelineId,
    pipelineVersionId: version!.id,
    workflowId: `raw-${runId}`,
    planHash: hash,
    plan,
    trigger: "bench",
    cacheEnabled: false,
  });
  return { runId, steps: plan.steps };
}

/**
 * The same chain as a hand-written workflow. Recording its run is left out of the time (the
 * product's time includes its own recording), so the baseline is Temporal's cost alone.
 */
async function timeRaw(document: unknown): Promise<number> {
  const saved = await save(document);
  const { runId, steps } = await recordRawRun(saved.version.id);
  const t0 = performance.now();
  await client.workflow.execute("rawActivityChain", {
    taskQueue: "cpu",
    workflowId: `raw-${runId}`,
    args: [runId, steps, queueTimeoutMs()],
  });
  return performance.now() - t0;
}

const cases: BenchCase[] = [];
try {
  // Warm up the worker, the bundle and the database.
  await timeProduct(chain("warm-up", 5, "warm"), false);
  await timeRaw(chain("warm-up raw", 5, "warm"));

  for (const n of CHAINS) {
    const product: number[] = [];
    const raw: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      product.push((await timeProduct(chain(`chain-${n}`, n, `${n}-${r}`), false)).ms);
      raw.push(await timeRaw(chain(`raw-chain-${n}`, n, `${n}-${r}`)));
    }
    const p = median(product) / n;
    const b = median(raw) / n;
    cases.push({
      case: `chain-${n}`,
      label: `chain of ${n} no-op steps, cache off`,
      product: { msPerStep: round(p), wallMs: round(median(product), 0) },
      baseline: {
        name: "raw Temporal activity chain",
        msPerStep: round(b),
        wallMs: round(median(raw), 0),
      },
      ratio: round(p / b),
      ratioOf: "ms/step",
      goal: "ratio <= 1.2, overhead <= 25 ms/step",
      met: p / b <= 1.2 && p - b <= 25,
      overheadMsPerStep: round(p - b),
    });
    console.log(
      `chain-${n}: runPipeline ${round(p)} ms/step, raw ${round(b)} ms/step, ratio ${round(p / b)}`,
    );
  }

  // A cached re-run of an unchanged 6-step pipeline: nothing executes.
  const six = tree(`cached-${CACHED_STEPS}`, CACHED_STEPS, 2);
  const first = await timeProduct(six, true);
  const rerun: number[] = [];
  let executions = 0;
  for (let r = 0; r < REPEATS; r++) {
    const again = await timeProduct(six, true);
    rerun.push(again.ms);
    executions += (
      await db
        .select()
        .from(runSteps)
        .where(and(eq(runSteps.runId, again.runId), gt(runSteps.attempts, 0)))
    ).length;
  }
  cases.push({
    case: `cached-rerun-${CACHED_STEPS}`,
    label: `cached re-run of an unchanged ${CACHED_STEPS}-step pipeline`,
    product: { wallMs: round(median(rerun), 0), activityExecutions: executions },
    baseline: { name: "the same pipeline, first (uncached) run", wallMs: round(first.ms, 0) },
    ratio: round(median(rerun) / first.ms),
    ratioOf: "wall time",
    goal: "0 executions, <= 500 ms",
    met: executions === 0 && median(rerun) <= 500,
  });
  console.log(
    `cached re-run of ${CACHED_STEPS} steps: ${round(median(rerun), 0)} ms, ${executions} activity executions (first run ${round(first.ms, 0)} ms)`,
  );

  // Validation and compilation of a big graph; the history of a run of it.
  const big = tree("big", BIG, 4);
  const compileMs: number[] = [];
  for (let r = 0; r < COMPILE_REPEATS; r++) {
    const t0 = performance.now();
    if (!validatePipeline(big).ok) throw new Error("invalid bench graph");
    compilePipeline(big);
    compileMs.push(performance.now() - t0);
  }
  const parseMs: number[] = [];
  const text = JSON.stringify(big);
  for (let r = 0; r < COMPILE_REPEATS; r++) {
    const t0 = performance.now();
    JSON.parse(text);
    parseMs.push(performance.now() - t0);
  }
  const bigRun = await timeProduct(big, false);
  const history = await client.workflow.getHandle(`run-${bigRun.runId}`).fetchHistory();
  const events = history.events?.length ?? 0;
  const historyBytes = JSON.stringify(history).length;
  cases.push({
    case: `compile-${BIG}`,
    label: `${BIG.toLocaleString("en-US")}-node graph: validate + compile, then run it`,
    product: {
      validateAndCompileMs: round(median(compileMs)),
      runWallMs: round(bigRun.ms, 0),
      historyEvents: events,
      historyBytes,
    },
    baseline: { name: "JSON.parse of the same document", ms: round(median(parseMs)) },
    ratio: round(median(compileMs) / median(parseMs)),
    ratioOf: "time",
    goal: "validate+compile < 100 ms; history well under 51,200 events and 50 MB",
    met: median(compileMs) < 100 && events < 51_200 / 4,
  });
  console.log(
    `${BIG} nodes: validate+compile ${round(median(compileMs))} ms; ${BIG}-step run ${round(bigRun.ms, 0)} ms, ${events} history events, ${historyBytes} bytes`,
  );
} finally {
  await bench.stop();
  await rm(dataDir, { recursive: true, force: true });
}

const worst = cases
  .filter((c) => c.case.startsWith("chain-"))
  .reduce((m, c) => Math.max(m, c.ratio ?? 0), 0);
const file = await writeResult({
  name: "orchestration",
  headline: { metric: "ratio_vs_raw_temporal", value: worst, goal: "<= 1.2", met: worst <= 1.2 },
  cases,
});
console.log(`wrote ${file}`);
process.exit(0);
