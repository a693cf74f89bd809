import { afterEach, describe, expect, it } from "vitest";
import { sandboxProblem } from "../../lib/sandbox/sandbox";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { salesRows } from "../sdk/testing/steps";
import { codeTypescriptActivity } from "./activity";

const sales = salesRows;

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

// The test suite's global setup provides bubblewrap (tests/setup/global.ts); the reason is
// printed as the skip when the machine still cannot sandbox.
const problem = sandboxProblem();
const sandboxed = it.skipIf(problem !== null);

const run = async (code: string, params: Record<string, unknown> = {}) => {
  step = await fakeStep({
    params: { code, params, timeoutSeconds: 30, memoryMiB: 1024 },
    inputs: { input: { rows: sales } },
  });
  return codeTypescriptActivity.activity(step.ctx);
};

describe(`code.typescript${problem ? ` (skipped: ${problem})` : ""}`, () => {
  sandboxed(
    "runs the code on the input's rows and SQL; writes a dataset, metrics and logs",
    async () => {
      const out = await run(
        `
      export default async function run(ctx: Flowforge.Context) {
        const rows = await ctx.input("input");
        const known = rows.filter((r) => r["montant (€)"] !== null);
        ctx.log(\`\${known.length} of \${rows.length} sales have an amount\`);
        ctx.metric("known", known.length);
        await ctx.output(
          "dataset",
          \`SELECT "Store Name" AS store, sum("montant (€)") * \${ctx.params.rate} AS chf
           FROM input GROUP BY ALL ORDER BY store\`,
        );
      }`,
        { rate: 2 },
      );
      expect(await step!.rows(out.dataset)).toEqual([
        { store: "Genève", chf: 14 },
        { store: "Zürich Nord", chf: 25 },
      ]);
      expect(await step!.json(out.metrics)).toEqual({ known: 2 });
      expect(step!.logs).toContain("2 of 3 sales have an amount");
      expect(step!.output(out.dataset).metadata).toMatchObject({ rows: 2 });
    },
  );

  sandboxed("reports a thrown error with the line of the user's code", async () => {
    await expect(
      run(
        [
          "export default async function run(ctx: Flowforge.Context) {",
          '  const rows = await ctx.input("input");',
          '  if (rows.length < 10) throw new Error("need at least 10 sales");',
          "}",
        ].join("\n"),
      ),
    ).rejects.toThrow(/^TypeScript code: line 3: Error: need at least 10 sales/);
  });

  it("reports a syntax error with its line, before running anything", async () => {
    await expect(
      run(["export default async function run(ctx) {", "  const x = ;", "}"].join("\n")),
    ).rejects.toThrow(/^TypeScript code: line 2: Unexpected ";"/);
  });
});
