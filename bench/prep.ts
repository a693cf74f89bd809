import { spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { finished } from "node:stream/promises";
import { DEFAULT_WORKSPACE_ID } from "../server/auth/users";
import { savePipeline } from "../server/services/pipelines";
import { getRun, startRun, waitForRun } from "../server/services/runs";
import { workflowsPath } from "../server/temporal/worker";
import { ensurePythonPackages } from "../lib/sandbox/python-packages";
import { round, sizeFromEnv, startBenchStack, writeResult } from "./lib";

/**
 * `npm run bench -- prep`: a generated CSV (BENCH_ROWS rows, default 10 million; 20 columns:
 * 14 numeric with missing values, 6 categorical) through the product's steps (ingest.file → split →
 * impute → one-hot → scale) on a throw-away stack with an in-process worker, against the same
 * operations in pandas on the same file, in the same run. Peak memory: this process (worker and
 * DuckDB) vs the pandas process. pandas is installed from PyPI into .data/tools the first time.
 */
const ROWS = sizeFromEnv("BENCH_ROWS", 10_000_000, 5_000);
const NUM = 14;
const CAT = 6;

async function generate(file: string): Promise<void> {
  const out = createWriteStream(file);
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  out.write(
    [
      ...Array.from({ length: NUM }, (_, i) => `num${i}`),
      ...Array.from({ length: CAT }, (_, i) => `cat${i}`),
    ].join(",") + "\n",
  );
  const letters = ["a", "b", "c", "d", "e", "f", "g", "h"];
  for (let r = 0; r < ROWS; r++) {
    const cells: string[] = [];
    for (let i = 0; i < NUM; i++) cells.push(rand() < 0.05 ? "" : (rand() * 1000 - 500).toFixed(3));
    for (let i = 0; i < CAT; i++) cells.push(letters[Math.floor(rand() * (3 + i))]!);
    if (!out.write(cells.join(",") + "\n"))
      await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  }
  out.end();
  await finished(out);
}

const ensurePandas = () =>
  ensurePythonPackages({
    dir: path.resolve(".data/tools/pandas-2"),
    requirements: ["pandas>=2,<3", "pyarrow"],
    markers: ["pandas/__init__.py", "pyarrow/__init__.py"],
    what: "pandas and pyarrow (the prep benchmark's baseline)",
    log: console.log,
  });

const dataDir = await mkdtemp(path.join(os.tmpdir(), "flowforge-bench-prep-"));
const files = path.join(dataDir, "files");
await mkdir(files, { recursive: true });
const csv = path.join(files, "bench.csv");
console.log(`generating ${ROWS} rows × ${NUM + CAT} columns…`);
await generate(csv);

// Baseline first, in its own process, so neither side warms the other's page cache unfairly more.
const pandasPath = await ensurePandas();
const pandasOut = path.join(dataDir, "pandas-out");
await mkdir(pandasOut);
const py = spawnSync("python3", ["bench/prep_pandas.py", csv, pandasOut], {
  env: { ...process.env, PYTHONPATH: pandasPath },
  encoding: "utf8",
  maxBuffer: 1 << 24,
});
if (py.status !== 0) throw new Error(`pandas baseline failed:\n${py.stderr}`);
const baseline = JSON.parse(py.stdout.trim().split("\n").pop()!) as {
  wallSeconds: number;
  peakRssKiB: number;
  pandas: string;
  pyarrow: string;
};
console.log(
  `pandas: ${round(baseline.wallSeconds)} s, peak ${round(baseline.peakRssKiB / 1024)} MiB`,
);

const bench = await startBenchStack({ dataDir, workflowsPath, identity: "bench-prep" });
const { db } = bench;
let product: {
  wallSeconds: number;
  peakRssKiB: number;
  stepSeconds: Record<string, number>;
};
try {
  const three = (s: string, t: string) =>
    ["train", "validation", "test"].map((p) => ({
      source: s,
      sourcePort: p,
      target: t,
      targetPort: p,
    }));
  const document = {
    apiVersion: "flowforge.dev/v1",
    kind: "Pipeline",
    name: "prep bench",
    nodes: [
      { id: "ingest", type: "ingest.file", params: { path: "bench.csv" } },
      {
        id: "split",
        type: "prep.split",
        params: { method: "random", validation: 0.15, test: 0.15, seed: 42 },
      },
      { id: "impute", type: "prep.impute", params: { strategy: "mean" } },
      { id: "onehot", type: "prep.encode", params: { method: "onehot" } },
      {
        id: "scale",
        type: "prep.scale",
        params: { columns: Array.from({ length: NUM }, (_, i) => `num${i}`) },
      },
    ],
    edges: [
      { source: "ingest", sourcePort: "dataset", target: "split", targetPort: "input" },
      ...three("split", "impute"),
      ...three("impute", "onehot"),
      ...three("onehot", "scale"),
    ],
  };
  const saved = await savePipeline(db, { document, workspaceId: DEFAULT_WORKSPACE_ID });
  const { client } = bench;
  const before = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  const { runId, workflowId } = await startRun(db, client, {
    pipelineVersionId: saved.version.id,
    cache: false,
  });
  await waitForRun(client, workflowId);
  const wallSeconds = (performance.now() - t0) / 1000;
  const run = await getRun(db, runId);
  if (run.status !== "succeeded") throw new Error(`bench run ${run.status}: ${run.error}`);
  const stepSeconds = Object.fromEntries(
    run.steps.flatMap((s) =>
      s.finishedAt && s.startedAt
        ? [[s.stepId, round((s.finishedAt.getTime() - s.startedAt.getTime()) / 1000, 1)]]
        : [],
    ),
  );
  product = {
    wallSeconds,
    peakRssKiB: Math.max(before, process.resourceUsage().maxRSS),
    stepSeconds,
  };
  console.log(
    `product: ${round(wallSeconds)} s, peak ${round(product.peakRssKiB / 1024)} MiB; steps: ${JSON.stringify(stepSeconds)}`,
  );
} finally {
  await bench.stop();
  await rm(dataDir, { recursive: true, force: true });
}

const speedup = baseline.wallSeconds / product.wallSeconds;
const met = speedup >= 5 && product.peakRssKiB <= baseline.peakRssKiB;
const goal = ">= 5x faster than pandas, with no more peak memory";
const file = await writeResult({
  name: "prep",
  headline: { metric: "speedup_vs_pandas", value: round(speedup), goal, met },
  cases: [
    {
      case: `csv-${ROWS}x${NUM + CAT}: ingest+split+impute+onehot+scale`,
      label: `${ROWS.toLocaleString("en-US")} rows × ${NUM + CAT} columns CSV: ingest + split + impute + one-hot + scale`,
      product: {
        wallSeconds: round(product.wallSeconds),
        peakRssMiB: round(product.peakRssKiB / 1024),
      },
      baseline: {
        name: `pandas ${baseline.pandas} + pyarrow ${baseline.pyarrow}, same operations, Parquet out`,
        wallSeconds: round(baseline.wallSeconds),
        peakRssMiB: round(baseline.peakRssKiB / 1024),
      },
      ratio: round(product.wallSeconds / baseline.wallSeconds),
      ratioOf: "time",
      goal,
      met,
      stepSeconds: product.stepSeconds,
    },
  ],
});
console.log(`wrote ${file}`);
process.exit(0);
