import { parseCodeDeclarations, type DeclaredType } from "@/nodes/code-declarations";

/** The step SDK as the editor knows it: what `ctx` offers a TypeScript code node. */
export const STEP_SDK_DTS = `declare namespace Flowforge {
  type Row = Record<string, unknown>;
  interface Params {
    [name: string]: unknown;
  }
  interface Context {
    /** The node's params, as set in the inspector; typed by the code's @param lines. */
    readonly params: Params;
    /** Rows of the dataset on an input port, as objects. */
    input(port: string): Promise<Row[]>;
    /** A DuckDB query over the inputs; each input is a view named after its port. */
    query(sql: string): Promise<Row[]>;
    /** Writes an output dataset from rows, or from a DuckDB SELECT over the inputs. */
    output(port: string, data: Row[] | string): Promise<void>;
    /** Records a metric of this step (shown in the inspector and the run's experiments). */
    metric(name: string, value: number): void;
    /** A line in the step's log. */
    log(...parts: unknown[]): void;
    /** Reports progress: done of total. */
    progress(done: number, total: number): void;
  }
}
`;

const tsType = (t: DeclaredType): string =>
  typeof t === "object"
    ? t.choices.map((c) => JSON.stringify(c)).join(" | ")
    : {
        number: "number",
        integer: "number",
        string: "string",
        boolean: "boolean",
        "string[]": "string[]",
        json: "unknown",
      }[t];

/** The params a code node declares, as types merged into Flowforge.Params for the editor. */
export function declaredParamsDts(code: string): string {
  const params = parseCodeDeclarations(code, "typescript").params ?? [];
  const fields = params.map(
    (p) =>
      `    readonly ${p.name}${p.optional && p.default === undefined ? "?" : ""}: ${tsType(p.type)};`,
  );
  return `declare namespace Flowforge {\n  interface Params {\n${fields.join("\n")}\n  }\n}\n`;
}
