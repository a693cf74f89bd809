import { z } from "zod";
import { codeShape } from "../code-declarations";
import { codeInputs, codeLimits, codeOutputs, codeRuntime } from "../code-ports";
import { defineNode } from "../types";

export const DEFAULT_TYPESCRIPT = `export default async function run(ctx: Flowforge.Context) {
  const rows = await ctx.query("SELECT * FROM input");
  ctx.log(\`\${rows.length} rows\`);
  ctx.metric("rows", rows.length);
  await ctx.output("dataset", "SELECT * FROM input");
}
`;

export const codeTypescript = defineNode({
  type: "code.typescript",
  category: "code",
  title: "TypeScript code",
  description:
    "Your TypeScript over the input datasets (rows or DuckDB SQL), run in an isolated sandbox.",
  version: 1,
  internal: false,
  inputs: codeInputs,
  outputs: codeOutputs,
  params: z.object({
    code: z
      .string()
      .min(1)
      .max(200_000)
      .default(DEFAULT_TYPESCRIPT)
      .meta({ label: "Code", widget: "code", language: "typescript" }),
    ...codeLimits,
  }),
  runtime: codeRuntime,
  shape: (params) => codeShape(params.code ?? DEFAULT_TYPESCRIPT, "typescript"),
  docs: "Export `default async function run(ctx)`: `ctx.input(port)` gives rows as objects, `ctx.query(sql)` runs DuckDB SQL over the inputs (views named after their ports), `ctx.output(port, rowsOrSql)` writes a dataset, `ctx.metric`, `ctx.log`, `ctx.progress`, `ctx.params`. Errors report the line of your code. Sandboxed like Python code.",
});
