import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { mulberry32 } from "../lib/ml/random";
import { ensurePythonPackages } from "../lib/sandbox/python-packages";
import { round, sizeFromEnv, writeResult, type BenchCase } from "./lib";

/**
 * `npm run bench -- train`: a generated binary classification set (BENCH_ROWS training rows,
 * default 1 million, 28 features, and a test set a fifth of that size), trained by the product's
 * gradient-boosted trees against LightGBM and XGBoost with the same trees, leaves, learning rate
 * and threads (BENCH_THREADS, default 1: our trainer is single-threaded), and the product's
 * logistic regression and MLP against scikit-learn's. Every trainer runs in its own process, for its
 * own peak memory; wall time is the fit, AUC is on the test set (the product's through its
 * exported ONNX model in onnxruntime).
 */
const ROWS = sizeFromEnv("BENCH_ROWS", 1_000_000, 5_000);
const THREADS = sizeFromEnv("BENCH_THREADS", 1, 1);
const FEATURES = 28;

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Features ~ N(0,1); the label is a noisy nonlinear function of the first ten (the rest are noise). */
async function generate(dir: string, part: string, rows: number, seed: number): Promise<void> {
  const rand = mulberry32(seed);
  const X = new Float32Array(rows * FEATURES);
  const y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const x = (j: number) => X[r * FEATURES + j]!;
    for (let j = 0; j < FEATURES; j++) X[r * FEATURES + j] = gauss(rand);
    const logit =
      x(0) * x(1) +
      2 * Math.sin(x(2)) +
      0.5 * (x(3) * x(3) - 1) +
      0.8 * x(4) -
      0.6 * x(5) +
      (x(6) > 0.5 ? 1 : -0.3) +
      0.4 * x(7) * x(8) +
      0.3 * Math.abs(x(9));
    y[r] = logit + gauss(rand) > 0.3 ? 1 : 0;
  }
  await writeFile(path.join(dir, `${part}.bin`), X);
  await writeFile(path.join(dir, `${part}_y.bin`), y);
}

const GOAL = "<= 2x LightGBM's fit time, test AUC within 0.005 of LightGBM's";
const gbdt = { trees: 100, learningRate: 0.1, maxLeaves: 31, maxDepth: -1, minDataInLeaf: 20 };
const cases = [
  {
    name: "gbdt",
    describe: `GBDT, ${gbdt.trees} trees, ${gbdt.maxLeaves} leaves, lr ${gbdt.learningRate}`,
    product: {
      ...gbdt,
      minSumHessianInLeaf: 0.001,
      lambda: 0,
      maxBins: 255,
      featureFraction: 1,
      earlyStoppingRounds: 0,
      seed: 1,
    },
    baselines: [
      { name: "lightgbm", params: gbdt },
      { name: "xgboost", params: gbdt },
    ],
  },
  {
    name: "logistic",
    describe: "logistic regression, 5 epochs of Adam in onnxruntime",
    product: {
      l2: 1 / ROWS,
      learningRate: 0.01,
      epochs: 5,
      batchSize: 4096,
      earlyStoppingRounds: 0,
      seed: 1,
    },
    baselines: [{ name: "logistic", params: { maxIter: 100 } }],
  },
  {
    name: "mlp",
    describe: "MLP (64 ReLU), 5 epochs, batch 1024, onnxruntime",
    product: {
      hidden: [64],
      l2: 0.0001,
      learningRate: 0.001,
      epochs: 5,
      batchSize: 1024,
      earlyStoppingRounds: 0,
      seed: 1,
    },
    baselines: [
      {
        name: "mlp",
        params: { hidden: [64], l2: 0.0001, learningRate: 0.001, epochs: 5, batchSize: 1024 },
      },
    ],
  },
];

const tools = await ensurePythonPackages({
  dir: path.resolve(".data/tools/ml-bench-1"),
  requirements: ["lightgbm==4.*", "xgboost-cpu>=2,<4", "scikit-learn==1.7.*"],
  markers: ["lightgbm/__init__.py", "xgboost/__init__.py", "sklearn/__init__.py"],
  what: "LightGBM, XGBoost and scikit-learn (the train benchmark's baselines)",
  log: console.log,
});

interface Measured {
  fitSeconds: number;
  peakRssKiB: number;
  auc: number;
  scoreSeconds?: number;
  /** The baseline library's version. */
  version?: string;
}

/** How the README names each baseline. */
const BASELINE_NAMES: Record<string, (version: string) => string> = {
  lightgbm: (v) => `LightGBM ${v}`,
  xgboost: (v) => `XGBoost ${v} (hist, lossguide)`,
  logistic: (v) => `scikit-learn ${v} LogisticRegression (lbfgs)`,
  mlp: (v) => `scikit-learn ${v} MLPClassifier`,
};

function runChild(command: string, args: string[], env: Record<string, string>): Measured {
  const r = spawnSync(command, args, {
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`${args.slice(0, 2).join(" ")} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Measured;
}

const dir = await mkdtemp(path.join(os.tmpdir(), "flowforge-bench-train-"));
const results: BenchCase[] = [];
let headline = { value: 0, met: false };
try {
  console.log(`generating ${ROWS} + ${ROWS / 5} rows × ${FEATURES} features…`);
  await generate(dir, "train", ROWS, 1);
  await generate(dir, "test", ROWS / 5, 2);
  await writeFile(path.join(dir, "meta.json"), JSON.stringify({ features: FEATURES }));
  const threadEnv = {
    OMP_NUM_THREADS: String(THREADS),
    OPENBLAS_NUM_THREADS: String(THREADS),
    MKL_NUM_THREADS: String(THREADS),
  };
  for (const c of cases) {
    const product = runChild(
      process.execPath,
      [
        "--import",
        "tsx",
        "bench/train-product.ts",
        dir,
        c.name,
        String(THREADS),
        JSON.stringify(c.product),
      ],
      threadEnv,
    );
    console.log(
      `product ${c.name}: fit ${round(product.fitSeconds)} s, AUC ${round(product.auc, 4)}, peak ${round(product.peakRssKiB / 1024)} MiB`,
    );
    for (const b of c.baselines) {
      const base = runChild(
        "python3",
        ["bench/train_baselines.py", dir, b.name, String(THREADS), JSON.stringify(b.params)],
        { ...threadEnv, PYTHONPATH: tools },
      );
      console.log(
        `${b.name}: fit ${round(base.fitSeconds)} s, AUC ${round(base.auc, 4)}, peak ${round(base.peakRssKiB / 1024)} MiB`,
      );
      const ratio = product.fitSeconds / base.fitSeconds;
      const headlineCase = b.name === "lightgbm";
      const met = ratio <= 2 && base.auc - product.auc <= 0.005;
      results.push({
        case: `${c.name} vs ${b.name}: ${ROWS}x${FEATURES}, ${THREADS} thread(s)`,
        label: `${c.describe}; ${ROWS.toLocaleString("en-US")} × ${FEATURES} binary, ${THREADS} thread${THREADS === 1 ? "" : "s"}`,
        product: {
          fitSeconds: round(product.fitSeconds),
          scoreSeconds: round(product.scoreSeconds ?? 0),
          auc: round(product.auc, 4),
          peakRssMiB: round(product.peakRssKiB / 1024),
        },
        baseline: {
          name: BASELINE_NAMES[b.name]!(base.version ?? "?"),
          fitSeconds: round(base.fitSeconds),
          auc: round(base.auc, 4),
          peakRssMiB: round(base.peakRssKiB / 1024),
        },
        ratio: round(ratio),
        ratioOf: "fit time",
        ...(headlineCase ? { goal: GOAL, met } : {}),
        aucDelta: round(product.auc - base.auc, 4),
      });
      if (headlineCase) headline = { value: round(ratio), met };
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const file = await writeResult({
  name: "train",
  headline: {
    metric: "gbdt_time_ratio_vs_lightgbm",
    value: headline.value,
    goal: GOAL,
    met: headline.met,
  },
  cases: results,
});
console.log(`wrote ${file}`);
process.exit(0);
