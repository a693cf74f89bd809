import { describe, expect, it } from "vitest";
import { PIPELINE_API_VERSION } from "./schema";
import { validatePipeline } from "./validate";
import { codeShape, parseCodeDeclarations } from "../../nodes/code-declarations";
import { shapeOf } from "../../nodes/index";

const ts = `// @input train: dataset
// @input extra: dataset? Extra rows
// @output scored: dataset
// @output rejects: dataset
// @param threshold: number = 0.5 -- rows scoring above it are kept
// @param method: "mean" | "median" = "median"
// @param columns: string[] = []
// @param label: string
export default async function run(ctx: Flowforge.Context) {}
`;

describe("code declarations", () => {
  it("reads ports and params from comment lines", () => {
    const d = parseCodeDeclarations(ts, "typescript");
    expect(d.errors).toEqual([]);
    expect(d.inputs).toEqual([
      { name: "train", kind: "dataset", label: "Train", required: true },
      { name: "extra", kind: "dataset", label: "Extra rows", required: false },
    ]);
    expect(d.outputs!.map((o) => o.name)).toEqual(["scored", "rejects"]);
    expect(d.params!.map((p) => [p.name, p.type, p.default])).toEqual([
      ["threshold", "number", 0.5],
      ["method", { choices: ["mean", "median"] }, "median"],
      ["columns", "string[]", []],
      ["label", "string", undefined],
    ]);
    expect(d.params![0]!.help).toBe("rows scoring above it are kept");
  });

  it("reads Python comments, and lets Python output models", () => {
    const d = parseCodeDeclarations(
      "# @input rows: dataset\n# @output model: model\n# @param trees: integer = 100\ndef run(ctx):\n    pass\n",
      "python",
    );
    expect(d.errors).toEqual([]);
    expect(d.outputs).toEqual([{ name: "model", kind: "model", label: "Model", required: false }]);
    expect(d.params![0]!.default).toBe(100);
  });

  it("names the line and what is wrong", () => {
    const d = parseCodeDeclarations(
      [
        "// @input model: model",
        "// @output out: model",
        "// @param n: integer = 1.5",
        "// @param m: float",
        "// @input 9lives: dataset",
        "// @output metrics: dataset",
        "// @param s: string = bare",
        "// @input train: dataset",
        "// @input train: dataset",
      ].join("\n"),
      "typescript",
    );
    expect(d.errors.map((e) => e.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 9]);
    expect(d.errors[0]!.message).toMatch(/code nodes take datasets/);
    expect(d.errors[1]!.message).toMatch(/TypeScript code node outputs dataset, not "model"/);
    expect(d.errors[2]!.message).toMatch(/default 1.5 is not a integer/);
    expect(d.errors[3]!.message).toMatch(/unknown type "float"/);
    expect(d.errors[4]!.message).toMatch(/needs a name/);
    expect(d.errors[5]!.message).toMatch(/"metrics" is always there/);
    expect(d.errors[6]!.message).toMatch(/not a JSON value/);
    expect(d.errors[7]!.message).toMatch(/declared twice \(first on line 8\)/);
  });

  it("keeps the default ports when the code declares none, and always the metrics output", () => {
    const plain = shapeOf("code.typescript", { code: "export default async () => {}" })!;
    expect(plain.inputs.map((p) => p.name)).toEqual(["input", "input2"]);
    expect(plain.params).toBeNull();
    const declared = codeShape(ts, "typescript");
    expect(declared.outputs.map((p) => p.name)).toEqual(["scored", "rejects", "metrics"]);
    expect(declared.params!.parse({ label: "y" })).toEqual({
      threshold: 0.5,
      method: "median",
      columns: [],
      label: "y",
    });
  });
});

describe("validating code nodes by their declarations", () => {
  const doc = (code: string, params: Record<string, unknown>, edges: unknown[] = []) => ({
    apiVersion: PIPELINE_API_VERSION,
    kind: "Pipeline",
    name: "declared",
    nodes: [
      { id: "src", type: "ingest.sample", params: { dataset: "penguins" } },
      { id: "code", type: "code.typescript", params: { code, params } },
    ],
    edges,
  });
  const edge = (targetPort: string) => ({
    source: "src",
    sourcePort: "dataset",
    target: "code",
    targetPort,
  });

  it("connects to declared ports and refuses the old ones", () => {
    expect(validatePipeline(doc(ts, { label: "species" }, [edge("train")])).ok).toBe(true);
    const r = validatePipeline(doc(ts, { label: "species" }, [edge("input")]));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.code).sort()).toEqual(["missing_input", "unknown_port"]);
    expect(r.errors.find((e) => e.code === "unknown_port")!.message).toBe(
      'Node "code" has no input port "input"',
    );
  });

  it("checks param values against the declared types, and names undeclared ones", () => {
    const r = validatePipeline(doc(ts, { threshold: "high", colour: "red" }, [edge("train")]));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.code, e.param])).toEqual([
      ["undeclared_param", "params.colour"],
      ["invalid_param", "params.threshold"],
      ["invalid_param", "params.label"],
    ]);
    expect(r.errors[0]!.message).toMatch(/declares no param "colour"/);
  });

  it("reports a broken declaration with its line", () => {
    const r = validatePipeline(doc("// @input x: table\n", {}));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.code, e.param])).toEqual([["invalid_declaration", "code"]]);
    expect(r.errors[0]!.message).toMatch(
      /^Node "code" code: line 1: input "x": code nodes take datasets/,
    );
  });

  it("reads an output's declared columns, and names a bad one", () => {
    const ok = parseCodeDeclarations(
      '// @output scored: dataset(*, score: double, "Body Mass (g)": DECIMAL(10, 2)) Scored rows',
      "typescript",
    );
    expect(ok.errors).toEqual([]);
    expect(ok.outputs?.[0]).toMatchObject({
      name: "scored",
      label: "Scored rows",
      columns: [
        { name: "*", type: "" },
        { name: "score", type: "DOUBLE" },
        { name: "Body Mass (g)", type: "DECIMAL(10, 2)" },
      ],
    });
    const bad = parseCodeDeclarations(
      "# @output m: model(a)\n# @input x: dataset(a)\n# @output y: dataset(a, a)\n# @output z: dataset(a b)",
      "python",
    );
    expect(bad.errors.map((e) => [e.line, e.message])).toEqual([
      [1, 'output "m": only a dataset has columns'],
      [2, 'input "x": columns are declared on outputs only'],
      [3, 'output "y": column "a" is declared twice'],
      [4, 'output "z": "a b" is not a column; write name or name: TYPE (quote names with spaces)'],
    ]);
  });
});
