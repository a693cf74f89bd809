import { afterEach, describe, expect, it } from "vitest";
import { nodeImplementations } from "./activities";
import { fakeStep, type FakeStep } from "./sdk/testing/fake-context";
import type { ColumnInfo } from "./types";

/**
 * A node that declares its output columns must be right about them: each declaration is checked
 * against the columns the node really writes, on rows with whole numbers, text, nulls and a name
 * with spaces.
 */
const rows = [
  { id: 1, "Body Mass (g)": 3750, species: "Adelie", score: 0.5 },
  { id: 2, "Body Mass (g)": null, species: "Gentoo", score: 1.5 },
  { id: 3, "Body Mass (g)": 4100, species: null, score: null },
  { id: 4, "Body Mass (g)": 5000, species: "Gentoo", score: 2.5 },
  { id: 5, "Body Mass (g)": 3300, species: "Adelie", score: 0.25 },
  { id: 6, "Body Mass (g)": 3900, species: "Chinstrap", score: 1 },
];

const cases: { type: keyof typeof nodeImplementations; params: unknown; split?: boolean }[] = [
  { type: "prep.select", params: { mode: "drop", columns: ["id"], rename: { species: "kind" } } },
  { type: "prep.select", params: { mode: "keep", columns: ["species", "score"], rename: {} } },
  { type: "prep.split", params: { method: "random", validation: 0.2, test: 0.2, seed: 1 } },
  {
    type: "prep.filter",
    params: { combine: "all", conditions: [{ column: "score", op: ">", value: 0.3 }] },
  },
  { type: "prep.impute", params: { strategy: "median", columns: [] }, split: true },
  { type: "prep.impute", params: { strategy: "mode", columns: ["species"] }, split: true },
  { type: "prep.encode", params: { method: "ordinal", columns: ["species"] }, split: true },
  { type: "prep.scale", params: { method: "standard", columns: [], exclude: ["id"] }, split: true },
  { type: "prep.derive", params: { column: "kg", expression: '"Body Mass (g)" / 1000' } },
  { type: "prep.derive", params: { column: "species", expression: "upper(species)" } },
];

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

describe("declared output columns", () => {
  it.each(cases)("$type $params are the columns it writes", async ({ type, params, split }) => {
    const impl = nodeImplementations[type];
    const port = split ? "train" : "input";
    step = await fakeStep({ params, inputs: { [port]: { rows } } });
    const inputs: Record<string, ColumnInfo[]> = {
      [port]: step.output(step.ctx.inputs[port]).metadata.schema as ColumnInfo[],
    };
    const declared = impl.definition.outputColumns!(inputs, impl.definition.params.parse(params));
    const written = await impl.activity(step.ctx);
    for (const [out, columns] of Object.entries(declared)) {
      if (!written[out]) continue;
      const schema = step.output(written[out]).metadata.schema as ColumnInfo[];
      // An empty type is one the node cannot know before running (an expression's): names only.
      expect(
        columns?.map((c, k) => ({ name: c.name, type: c.type || schema[k]?.type })),
        out,
      ).toEqual(schema.map((c) => ({ name: c.name, type: c.type })));
    }
  });
});
