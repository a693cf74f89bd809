import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { declaredParamsDts, STEP_SDK_DTS } from "../components/code/sdk-types";
import { ejectedNode, ejectProblem } from "./eject";
import { ejectSamples } from "./eject.fixtures";
import { getNodeDefinition, nodeDefinitions, shapeOf } from "./index";

const ejectable = Object.values(nodeDefinitions).filter((d) => d.eject);
const body = (type: string, ext: string) =>
  readFileSync(path.join(__dirname, type.replaceAll(".", "-"), `ejected.${ext}`), "utf8");

function eject(type: string) {
  const def = getNodeDefinition(type)!;
  return ejectedNode(
    def,
    ejectSamples[type]!,
    body(type, def.eject!.language === "python" ? "py" : "ts"),
  );
}

describe("ejecting a built-in node", () => {
  it("has a sample for every ejectable node", () => {
    expect(ejectable.map((d) => d.type).sort()).toEqual(Object.keys(ejectSamples).sort());
  });

  it.each(ejectable.map((d) => d.type))("%s keeps its ports and params", (type) => {
    const def = getNodeDefinition(type)!;
    const node = eject(type);
    const shape = shapeOf(node.type, node.params)!;
    expect(shape.errors).toEqual([]);
    const ports = (list: { name: string; kind: string; required: boolean }[], required = true) =>
      list.map(({ name, kind, required: r }) => ({ name, kind, required: required && r }));
    expect(ports(shape.inputs)).toEqual(ports(def.inputs));
    // Outputs are written when the code writes them: only their names and kinds matter, and a
    // code node always has its metrics.
    const data = (list: typeof def.outputs) =>
      ports(
        list.filter((p) => p.kind !== "metrics"),
        false,
      );
    expect(data(shape.outputs)).toEqual(data(def.outputs));
    expect(shape.outputs.at(-1)!.name).toBe("metrics");
    // The same values, with the same defaults filled in, reach the code as ctx.params.
    const builtin = def.params.parse(ejectSamples[type]) as Record<string, unknown>;
    expect(shape.params!.parse(node.params.params)).toEqual(builtin);
    expect(Object.keys(shape.params!.shape).sort()).toEqual(Object.keys(builtin).sort());
  });

  it.each(ejectable.filter((d) => d.eject!.language === "typescript").map((d) => d.type))(
    "%s's code type-checks against the step SDK and the param types the editor offers",
    (type) => {
      const code = eject(type).params.code as string;
      const files: Record<string, string> = {
        "/sdk.d.ts": STEP_SDK_DTS,
        "/params.d.ts": declaredParamsDts(code),
        "/user_code.ts": code,
      };
      const options: ts.CompilerOptions = {
        strict: true,
        noUncheckedIndexedAccess: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        lib: ["lib.es2022.d.ts"],
        noEmit: true,
        types: [],
      };
      const host = ts.createCompilerHost(options);
      const read = host.readFile.bind(host);
      host.readFile = (f) => files[f] ?? read(f);
      host.fileExists = (f) => f in files || ts.sys.fileExists(f);
      const getSourceFile = host.getSourceFile.bind(host);
      host.getSourceFile = (f, v) =>
        f in files ? ts.createSourceFile(f, files[f]!, v) : getSourceFile(f, v);
      const program = ts.createProgram(Object.keys(files), options, host);
      const problems = ts
        .getPreEmitDiagnostics(program, program.getSourceFile("/user_code.ts"))
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      expect(problems).toEqual([]);
    },
  );

  it("says why a node has no code form", () => {
    expect(ejectProblem(getNodeDefinition("deploy.endpoint")!)).toMatch(
      /works outside the code sandbox \(it reads connections/,
    );
    expect(ejectProblem(getNodeDefinition("prep.scale")!)).toMatch(/records its preprocessing/);
    expect(ejectProblem(getNodeDefinition("prep.filter")!)).toBeNull();
  });
});
