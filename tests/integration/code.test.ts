import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callerAs } from "../people";
import { closeDb } from "../../server/db/client";
import { sandboxProblem } from "../../lib/sandbox/sandbox";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, type WorkerProcess } from "../helpers";
import { ejectSamples } from "../../nodes/eject.fixtures";
import { codeNodePython, ensurePythonPackages } from "../../lib/sandbox/python-packages";

const api = callerAs("admin");

async function run(nodes: unknown[], edges: unknown[]) {
  const saved = await api.pipelines.save({
    document: pipelineDoc(`code ${crypto.randomUUID()}`, nodes, edges),
  });
  const { runId, workflowId } = await api.runs.start({
    pipelineId: saved.pipelineId,
    cache: false,
  });
  await waitForRun(await getTemporalClient(), workflowId);
  return api.runs.get({ runId });
}

const from = (source: string, target: string, targetPort = "input", sourcePort = "dataset") => ({
  source,
  sourcePort,
  target,
  targetPort,
});

const tight = { timeoutSeconds: 20, cpuSeconds: 2, memoryMiB: 1024, outputMiB: 16 };

describe("code nodes in the sandbox", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    const problem = sandboxProblem();
    if (problem) throw new Error(problem);
    const pandas = await ensurePythonPackages(codeNodePython);
    worker = await spawnWorkerProcess("code-worker", { env: { CODE_PYTHON_PATH: pandas } });
  }, 600_000);
  afterAll(async () => {
    await worker.stop();
    await closeTemporalClient();
    await closeDb();
  });

  it("the worker reports what code nodes find on it", async () => {
    const health = await api.health.get();
    const me = health.queues.flatMap((q) => q.workers).find((w) => w.identity === "code-worker");
    expect(me?.runtimes).toMatchObject({ pandas: true, sandboxProblem: null });
    // What the sandbox does without here (none on a machine with bubblewrap 0.11 and util-linux).
    expect(Array.isArray(me?.runtimes.sandboxNotes)).toBe(true);
    expect(String(me?.runtimes.python)).toMatch(/^3\.\d+/);
    // With Python, pandas and the sandbox, it takes Python steps too.
    const python = health.queues.find((q) => q.queue === "python");
    expect(python?.workers.map((w) => w.identity)).toContain("code-worker");
  });

  it("runs Python and TypeScript code between built-in nodes", async () => {
    const r = await run(
      [
        { id: "raw", type: "ingest.sample", params: { dataset: "penguins" } },
        {
          id: "py",
          type: "code.python",
          params: {
            params: { factor: 1000 },
            code: [
              "def run(ctx):",
              "    df = ctx.input('input').dropna(subset=['body_mass_g'])",
              "    df['mass_kg'] = df['body_mass_g'] / ctx.params['factor']",
              "    ctx.metric('rows', len(df))",
              "    ctx.log('kept', len(df), 'penguins')",
              "    ctx.output('dataset', df)",
            ].join("\n"),
          },
        },
        {
          id: "ts",
          type: "code.typescript",
          params: {
            code: [
              "export default async function run(ctx: any) {",
              '  const [{ n }] = await ctx.query("SELECT count(*)::INT AS n FROM input WHERE mass_kg > 4.5");',
              "  ctx.metric('heavy', n);",
              "  await ctx.output('dataset', \"SELECT species, mass_kg FROM input WHERE mass_kg > 4.5\");",
              "}",
            ].join("\n"),
          },
        },
        { id: "pick", type: "prep.select", params: { columns: ["species"] } },
      ],
      [from("raw", "py"), from("py", "ts"), from("ts", "pick")],
    );
    expect(r.steps.filter((s) => s.error).map((s) => `${s.stepId}: ${s.error}`)).toEqual([]);
    expect(Object.fromEntries(r.steps.map((s) => [s.stepId, s.taskQueue]))).toMatchObject({
      py: "python",
      ts: "cpu",
    });
    const out = (id: string) =>
      r.steps.find((s) => s.stepId === id)!.outputs as Record<string, { hash: string }>;
    const py = (await api.artifacts.json({ hash: out("py").metrics!.hash })) as { rows: number };
    const ts = (await api.artifacts.json({ hash: out("ts").metrics!.hash })) as { heavy: number };
    expect(py.rows).toBe(342);
    const logs = await api.runs.logs({ runId: r.id, stepId: "py", search: "penguins" });
    expect(logs.map((l) => l.message)).toEqual(["kept 342 penguins"]);
    expect(ts.heavy).toBeGreaterThan(50);
    const preview = await api.artifacts.dataset({ hash: out("pick").dataset!.hash, limit: 5 });
    expect(preview.rowCount).toBe(ts.heavy);
    expect(preview.schema.map((c) => c.name)).toEqual(["species"]);

    // Run one node alone: the steps it needs come from the cache, it executes, nothing after it.
    const alone = await api.runs.start({ pipelineId: r.pipelineId, only: "ts" });
    await waitForRun(await getTemporalClient(), alone.workflowId);
    const again = await api.runs.get({ runId: alone.runId });
    expect(Object.fromEntries(again.steps.map((s) => [s.stepId, s.status]))).toEqual({
      raw: "cached",
      py: "cached",
      ts: "succeeded",
    });
  }, 300_000);

  it("streams a step's prints to its logs while the code runs", async () => {
    const saved = await api.pipelines.save({
      document: pipelineDoc(`stream ${crypto.randomUUID()}`, [
        {
          id: "py",
          type: "code.python",
          params: {
            code: [
              "# @input input: dataset?",
              "import time",
              "def run(ctx):",
              "    print('first line, printed')",
              "    ctx.log('second line, logged')",
              "    time.sleep(6)",
              "    print('last line')",
            ].join("\n"),
          },
        },
      ]),
    });
    const { runId, workflowId } = await api.runs.start({
      pipelineId: saved.pipelineId,
      cache: false,
    });
    // Before the code ends, its first lines are in the step's logs.
    let early: string[] = [];
    for (let i = 0; i < 100 && early.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      early = (await api.runs.logs({ runId, stepId: "py" })).map((l) => l.message);
    }
    const step = (await api.runs.get({ runId })).steps.find((s) => s.stepId === "py");
    expect(early).toEqual(["first line, printed", "second line, logged"]);
    expect(step?.status).toBe("running");
    await waitForRun(await getTemporalClient(), workflowId);
    const logs = (await api.runs.logs({ runId, stepId: "py" })).map((l) => l.message);
    expect(logs).toEqual(["first line, printed", "second line, logged", "last line"]);
  });

  it("ports and params declared in the code are the node's ports and ctx.params", async () => {
    const r = await run(
      [
        { id: "raw", type: "ingest.sample", params: { dataset: "penguins" } },
        {
          id: "ts",
          type: "code.typescript",
          params: {
            params: { cutoff: 4500 },
            code: [
              "// @input penguins: dataset",
              "// @output heavy: dataset",
              "// @output light: dataset",
              "// @param cutoff: number = 4000 -- grams",
              "export default async function run(ctx: Flowforge.Context) {",
              "  const c = Number(ctx.params.cutoff);",
              "  ctx.metric('cutoff', c);",
              "  await ctx.output('heavy', `SELECT * FROM penguins WHERE body_mass_g > ${c}`);",
              "  await ctx.output('light', `SELECT * FROM penguins WHERE body_mass_g <= ${c}`);",
              "}",
            ].join("\n"),
          },
        },
        {
          id: "py",
          type: "code.python",
          params: {
            code: [
              "# @input rows: dataset",
              "# @output summary: dataset",
              '# @param by: "species" | "island" = "island"',
              "def run(ctx):",
              "    df = ctx.input('rows')",
              "    ctx.output('summary', df.groupby(ctx.params['by']).size().reset_index(name='n'))",
            ].join("\n"),
          },
        },
        { id: "pick", type: "prep.select", params: { columns: ["species"] } },
      ],
      [
        from("raw", "ts", "penguins"),
        from("ts", "py", "rows", "heavy"),
        from("ts", "pick", "input", "light"),
      ],
    );
    expect(r.steps.filter((s) => s.error).map((s) => `${s.stepId}: ${s.error}`)).toEqual([]);
    const out = (id: string) =>
      r.steps.find((s) => s.stepId === id)!.outputs as Record<string, { hash: string }>;
    expect(Object.keys(out("ts")).sort()).toEqual(["heavy", "light", "metrics"]);
    expect(await api.artifacts.json({ hash: out("ts").metrics!.hash })).toEqual({ cutoff: 4500 });
    const heavy = await api.artifacts.dataset({ hash: out("ts").heavy!.hash, limit: 1 });
    const light = await api.artifacts.dataset({ hash: out("pick").dataset!.hash, limit: 1 });
    expect(heavy.rowCount + light.rowCount).toBe(342);
    const summary = await api.artifacts.dataset({ hash: out("py").summary!.hash, limit: 10 });
    // The default of the declared param: grouped by island.
    expect(summary.schema.map((c) => c.name)).toEqual(["island", "n"]);
    expect(summary.rows.reduce((a, row) => a + Number((row as { n: number }).n), 0)).toBe(
      heavy.rowCount,
    );
  }, 300_000);

  it("an ejected node keeps its connections and does what the built-in did", async () => {
    const prep = ["prep.filter", "prep.select", "prep.derive", "prep.sql"];
    const nodes: unknown[] = [
      { id: "raw", type: "ingest.sample", params: { dataset: "penguins" } },
      {
        id: "split",
        type: "prep.split",
        params: { method: "stratified", column: "species", seed: 4 },
      },
      { id: "eval", type: "evaluate.model" },
    ];
    const edges = [from("split", "eval", "test", "test"), from("raw", "split")];
    for (const type of [...prep, "train.logistic"]) {
      const params = ejectSamples[type]!;
      const id = type.split(".")[1]!;
      const ejected = await api.nodes.eject({ type, params });
      nodes.push({ id: `e-${id}`, ...ejected });
      if (type.startsWith("prep.")) nodes.push({ id: `b-${id}`, type, params });
    }
    for (const type of prep) {
      const id = type.split(".")[1]!;
      edges.push(from("raw", `b-${id}`), from("raw", `e-${id}`));
    }
    edges.push(
      from("split", "e-logistic", "train", "train"),
      from("split", "e-logistic", "validation", "validation"),
      from("e-logistic", "eval", "model", "model"),
    );
    const r = await run(nodes, edges);
    expect(r.steps.filter((s) => s.error).map((s) => `${s.stepId}: ${s.error}`)).toEqual([]);
    const out = (id: string) =>
      r.steps.find((s) => s.stepId === id)!.outputs as Record<string, { hash: string }>;
    expect(r.steps.find((s) => s.stepId === "e-logistic")?.taskQueue).toBe("python");
    for (const type of prep) {
      const id = type.split(".")[1]!;
      const [b, e] = await Promise.all(
        [`b-${id}`, `e-${id}`].map((step) =>
          api.artifacts.dataset({ hash: out(step).dataset!.hash, limit: 20 }),
        ),
      );
      expect({ type, rows: e!.rowCount, columns: e!.schema.map((c) => c.name) }).toEqual({
        type,
        rows: b!.rowCount,
        columns: b!.schema.map((c) => c.name),
      });
      expect(e!.rows).toEqual(b!.rows);
    }
    const evaluation = (await api.artifacts.json({ hash: out("eval").metrics!.hash })) as {
      test: { accuracy: number };
    };
    expect(evaluation.test.accuracy).toBeGreaterThan(0.9);
    const metrics = (await api.artifacts.json({ hash: out("e-logistic").metrics!.hash })) as Record<
      string,
      number
    >;
    expect(metrics.validation_accuracy).toBeGreaterThan(0.9);
  }, 300_000);

  it("trains a scikit-learn model in Python that evaluate, deploy and serving take like any other", async () => {
    const r = await run(
      [
        { id: "raw", type: "ingest.sample", params: { dataset: "penguins" } },
        {
          id: "split",
          type: "prep.split",
          params: { method: "stratified", column: "species", seed: 4 },
        },
        {
          id: "sk",
          type: "code.python",
          params: {
            cpuSeconds: 60,
            code: [
              "from sklearn.linear_model import LogisticRegression",
              "from sklearn.pipeline import make_pipeline",
              "from sklearn.preprocessing import StandardScaler",
              "",
              "def run(ctx):",
              "    df = ctx.input('input').dropna()",
              "    X = df[['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']]",
              "    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))",
              "    model.fit(X, df['species'])",
              "    ctx.metric('train_accuracy', float(model.score(X, df['species'])))",
              "    ctx.output_model(model, X, label='species')",
            ].join("\n"),
          },
        },
        { id: "eval", type: "evaluate.model" },
        {
          id: "deploy",
          type: "deploy.endpoint",
          params: { endpoint: `sk-${crypto.randomUUID().slice(0, 8)}` },
        },
      ],
      [
        from("raw", "split"),
        from("split", "sk", "input", "train"),
        from("sk", "eval", "model", "model"),
        from("split", "eval", "test", "test"),
        from("sk", "deploy", "model", "model"),
        from("split", "deploy", "reference", "train"),
      ],
    );
    expect(r.steps.filter((s) => s.error).map((s) => `${s.stepId}: ${s.error}`)).toEqual([]);
    const outputs = (id: string) =>
      r.steps.find((s) => s.stepId === id)!.outputs as Record<string, { hash: string }>;
    const model = await api.artifacts.metadata({ hash: outputs("sk").model!.hash });
    expect(model.kind).toBe("model");
    expect(model.metadata).toMatchObject({
      algorithm: "python:Pipeline",
      signature: {
        task: "multiclass",
        label: "species",
        classes: ["Adelie", "Chinstrap", "Gentoo"],
        inputs: [
          { name: "bill_length_mm", column: "bill_length_mm", type: "double" },
          { name: "bill_depth_mm" },
          { name: "flipper_length_mm" },
          { name: "body_mass_g" },
        ],
      },
    });
    const evaluation = (await api.artifacts.json({ hash: outputs("eval").metrics!.hash })) as {
      test: { accuracy: number };
    };
    expect(evaluation.test.accuracy).toBeGreaterThan(0.9);
    const deployed = (await api.models.list()).find((m) =>
      m.versions.some((v) => v.artifactHash === outputs("sk").model!.hash),
    );
    expect(deployed?.versions[0]?.algorithm).toBe("python:Pipeline");
  }, 300_000);

  it("a model that is not scikit-learn, or text features, fail with a clear error", async () => {
    const r = await run(
      [
        { id: "raw", type: "ingest.sample", params: { dataset: "penguins" } },
        {
          id: "text",
          type: "code.python",
          params: {
            cpuSeconds: 60,
            code: [
              "from sklearn.tree import DecisionTreeClassifier",
              "def run(ctx):",
              "    df = ctx.input('input').dropna()",
              "    model = DecisionTreeClassifier().fit(df[['bill_length_mm']], df['species'])",
              "    ctx.output_model(model, df[['bill_length_mm', 'island']], label='species')",
            ].join("\n"),
          },
        },
      ],
      [from("raw", "text")],
    );
    expect(r.steps.find((s) => s.stepId === "text")!.error).toMatch(
      /line 5: TypeError: output_model: columns \['island'\] are not numeric/,
    );
  }, 300_000);

  it("reports errors with line numbers, stops loops, sleeps and memory bombs, and the worker survives", async () => {
    const py = (id: string, code: string[], extra = {}) => ({
      id,
      type: "code.python",
      params: { ...tight, ...extra, code: code.join("\n") },
    });
    const ts = (id: string, code: string[], extra = {}) => ({
      id,
      type: "code.typescript",
      params: { ...tight, ...extra, code: code.join("\n") },
    });
    const r = await run(
      [
        py("py-error", ["def run(ctx):", "    x = 1", "    return x / 0"]),
        ts("ts-error", [
          "export default async function run(ctx: any) {",
          "  const a = 1;",
          "  throw new Error(`bad ${a}`);",
          "}",
        ]),
        ts("ts-syntax", ["export default async function run(ctx: any) {", "  const = 3;", "}"]),
        py("loop", ["def run(ctx):", "    while True:", "        pass"]),
        py("sleep", ["import time", "def run(ctx):", "    time.sleep(60)"], { timeoutSeconds: 2 }),
        py(
          "bomb",
          [
            "def run(ctx):",
            "    a = []",
            "    while True:",
            "        a.append(bytearray(50_000_000))",
            // Filling a gigabyte costs CPU time too: the memory limit must be what stops it.
          ],
          { cpuSeconds: 60 },
        ),
        ts(
          "ts-bomb",
          [
            "export default async function run() {",
            "  const a: number[][] = [];",
            "  for (;;) a.push(new Array(1e6).fill(1.5));",
            "}",
          ],
          { cpuSeconds: 60 },
        ),
      ],
      [],
    );
    const error = (id: string) => r.steps.find((s) => s.stepId === id)!.error ?? "";
    expect(error("py-error")).toMatch(/line 3: ZeroDivisionError: division by zero/);
    expect(error("ts-error"), error("ts-error")).toMatch(/line 3: Error: bad 1/);
    expect(error("ts-syntax")).toMatch(/line 2: /);
    expect(error("loop")).toMatch(/stopped: it used up its CPU time \(2 s\)/);
    expect(error("sleep")).toMatch(/stopped: it ran past the time limit of 2 s/);
    expect(error("bomb")).toMatch(/stopped: it ran out of its memory limit \(1024 MiB\)/);
    expect(error("ts-bomb")).toMatch(/stopped: it ran out of its memory limit/);
    expect(worker.child.exitCode).toBeNull();
  }, 300_000);

  it("cannot read the host's files, the worker's environment or the artifact root, open sockets or start processes", async () => {
    const artifactRoot = path.join(inject("dataDir"), "artifacts");
    const attempts = {
      passwd: "open('/etc/passwd').read()",
      env: "[k for k in os.environ if k not in ('HOME', 'PATH', 'PWD', 'LC_CTYPE', 'PYTHONPATH', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS')] or None",
      artifacts: `os.listdir(${JSON.stringify(artifactRoot)})`,
      socket: "socket.create_connection(('127.0.0.1', 5432), timeout=2)",
      internet: "socket.create_connection(('1.1.1.1', 80), timeout=2)",
      process: "subprocess.run(['/usr/bin/id'], capture_output=True)",
      fork: "os.fork()",
    };
    const code = [
      "import os, socket, subprocess",
      "def run(ctx):",
      ...Object.entries(attempts).flatMap(([name, expr]) => [
        "    try:",
        `        value = ${expr}`,
        `        ctx.metric(${JSON.stringify(name)}, 'blocked' if value is None else 'ALLOWED')`,
        "    except Exception as e:",
        `        ctx.metric(${JSON.stringify(name)}, 'blocked: ' + type(e).__name__)`,
      ]),
    ];
    const tsCode = [
      "import { readFileSync } from 'node:fs';",
      "import { execSync } from 'node:child_process';",
      "import net from 'node:net';",
      "export default async function run(ctx: any) {",
      "  const attempt = async (name: string, f: () => unknown) => {",
      "    try { await f(); ctx.metric(name, 'ALLOWED'); } catch (e: any) { ctx.metric(name, 'blocked: ' + (e.code ?? e.name)); }",
      "  };",
      "  await attempt('passwd', () => readFileSync('/etc/passwd'));",
      `  await attempt('artifacts', () => readFileSync(${JSON.stringify(artifactRoot)}));`,
      "  await attempt('process', () => execSync('/usr/bin/id'));",
      "  await attempt('socket', () => new Promise((ok, fail) => net.connect(5432, '127.0.0.1').on('connect', ok).on('error', fail)));",
      "  ctx.metric('env', Object.keys(process.env).filter((k) => !['HOME', 'PATH', 'PWD'].includes(k)).join(',') || 'blocked');",
      "}",
    ];
    const r = await run(
      [
        { id: "py", type: "code.python", params: { code: code.join("\n") } },
        { id: "ts", type: "code.typescript", params: { code: tsCode.join("\n") } },
      ],
      [],
    );
    expect(r.steps.filter((s) => s.error).map((s) => `${s.stepId}: ${s.error}`)).toEqual([]);
    for (const id of ["py", "ts"]) {
      const hash = (
        r.steps.find((s) => s.stepId === id)!.outputs as Record<string, { hash: string }>
      ).metrics!.hash;
      const results = (await api.artifacts.json({ hash })) as Record<string, string>;
      expect(Object.keys(results).length).toBeGreaterThanOrEqual(5);
      for (const [name, verdict] of Object.entries(results))
        expect(`${id} ${name}: ${verdict}`).toMatch(/: blocked/);
    }
    expect(worker.child.exitCode).toBeNull();
  }, 300_000);
});
