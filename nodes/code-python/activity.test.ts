import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { codeNodePython, pythonPackagesInstalled } from "../../lib/sandbox/python-packages";
import { sandboxProblem } from "../../lib/sandbox/sandbox";
import { codePythonPath } from "../code-step";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { salesRows } from "../sdk/testing/steps";
import { codePythonActivity } from "./activity";

const sales = salesRows;

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

// Python code needs the sandbox (bubblewrap, from the suite's global setup), a system Python and
// pandas & co. under CODE_PYTHON_PATH or .data/tools/python (`npm run setup` installs them).
const missing =
  sandboxProblem() ??
  (["/usr/bin/python3", "/usr/bin/python3.11", "/usr/bin/python3.12"].some((p) => existsSync(p))
    ? null
    : "no Python 3 in /usr/bin") ??
  (pythonPackagesInstalled({ ...codeNodePython, dir: codePythonPath() })
    ? null
    : `no Python packages in ${codePythonPath()}`);
const withPython = it.skipIf(missing !== null);

const run = async (code: string[], params: Record<string, unknown> = {}) => {
  step = await fakeStep({
    params: { code: code.join("\n"), params, timeoutSeconds: 60, memoryMiB: 2048 },
    inputs: { input: { rows: sales } },
  });
  return codePythonActivity.activity(step.ctx);
};

describe(`code.python${missing ? ` (skipped: ${missing})` : ""}`, () => {
  withPython("runs pandas on the input; writes a dataset, metrics and logs", async () => {
    const out = await run(
      [
        "def run(ctx):",
        "    df = ctx.input('input')",
        "    known = df.dropna(subset=['montant (€)'])",
        "    ctx.log(len(known), 'of', len(df), 'sales have an amount')",
        "    ctx.metric('known', len(known))",
        "    out = known.groupby('Store Name', as_index=False)['montant (€)'].sum()",
        "    out['chf'] = out['montant (€)'] * ctx.params['rate']",
        "    ctx.output('dataset', out.sort_values('Store Name'))",
      ],
      { rate: 2 },
    );
    expect(await step!.rows(out.dataset)).toEqual([
      { "Store Name": "Genève", "montant (€)": 7, chf: 14 },
      { "Store Name": "Zürich Nord", "montant (€)": 12.5, chf: 25 },
    ]);
    expect(await step!.json(out.metrics)).toEqual({ known: 2 });
    expect(step!.logs).toContain("2 of 3 sales have an amount");
  });

  withPython("reports an error with the line of the user's code", async () => {
    await expect(
      run(["def run(ctx):", "    df = ctx.input('input')", "    return df['montant'].sum()"]),
    ).rejects.toThrow(/^Python code: line 3: KeyError: .*montant/);
  });

  withPython("writes a scikit-learn model as ONNX with Flowforge's signature", async () => {
    const out = await run([
      "from sklearn.linear_model import LinearRegression",
      "def run(ctx):",
      "    df = ctx.input('input').dropna()",
      "    X = df[['montant (€)']]",
      "    model = LinearRegression().fit(X, df['montant (€)'] * 2)",
      "    ctx.output_model(model, X, label='double')",
    ]);
    const meta = step!.output(out.model).metadata;
    expect(step!.output(out.model).kind).toBe("model");
    expect(meta).toMatchObject({
      format: "onnx",
      algorithm: "python:LinearRegression",
      signature: {
        task: "regression",
        label: "double",
        features: ["montant (€)"],
        inputs: [{ column: "montant (€)", type: "double" }],
      },
      lineage: { runId: "test-run", stepId: "step" },
    });
  });
});
