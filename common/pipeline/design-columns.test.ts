import { describe, expect, it } from "vitest";
import { columnErrors, designColumns, didYouMean } from "./design-columns";

const cars = [
  { name: "Name", type: "VARCHAR" },
  { name: "Miles_per_Gallon", type: "DOUBLE" },
  { name: "Horsepower", type: "BIGINT" },
  { name: "Year", type: "DATE" },
  { name: "Origin", type: "VARCHAR" },
];

const graph = (
  splitParams: Record<string, unknown>,
  imputeParams: Record<string, unknown> = {},
) => ({
  nodes: [
    { id: "raw", type: "ingest.file", params: { path: "cars.csv" } },
    { id: "year", type: "prep.derive", params: { column: "model_year", expression: "year(Year)" } },
    { id: "drop", type: "prep.select", params: { mode: "drop", columns: ["Year"], rename: {} } },
    { id: "split", type: "prep.split", params: splitParams },
    { id: "impute", type: "prep.impute", params: imputeParams },
  ],
  edges: [
    { source: "raw", sourcePort: "dataset", target: "year", targetPort: "input" },
    { source: "year", sourcePort: "dataset", target: "drop", targetPort: "input" },
    { source: "drop", sourcePort: "dataset", target: "split", targetPort: "input" },
    { source: "split", sourcePort: "train", target: "impute", targetPort: "train" },
  ],
});
const probed = (nodeId: string) => (nodeId === "raw" ? cars : undefined);

describe("design-time columns", () => {
  it("follow from the probed file through each node's declaration", () => {
    const { inputColumns } = designColumns(graph({ label: "Miles_per_Gallon" }), probed);
    expect(inputColumns("split")?.map((c) => c.name)).toEqual([
      "Name",
      "Miles_per_Gallon",
      "Horsepower",
      "Origin",
      "model_year",
    ]);
    expect(inputColumns("impute")?.map((c) => c.name)).toContain("model_year");
    expect(designColumns(graph({}), () => undefined).inputColumns("impute")).toBeUndefined();
  });

  it("flag a column the input will not have, in the form's words, with the closest one", () => {
    const errors = columnErrors(
      graph({ label: "Miles_per_gallon", ids: ["Name", "Year"] }, { columns: ["horsepower"] }),
      probed,
    );
    expect(errors.map((e) => [e.nodeId, e.param, e.message])).toEqual([
      [
        "split",
        "label",
        'Node "split" — Label (target): the input has no column "Miles_per_gallon"; did you mean "Miles_per_Gallon"?',
      ],
      ["split", "ids", 'Node "split" — Id columns: the input has no column "Year"'],
      [
        "impute",
        "columns",
        expect.stringMatching(/no column "horsepower"; did you mean "Horsepower"\?/) as unknown,
      ],
    ]);
    expect(columnErrors(graph({ label: "Miles_per_Gallon" }), probed)).toEqual([]);
  });

  it("suggest only what is close", () => {
    expect(didYouMean("mpg", ["Miles_per_Gallon", "Name"])).toBeUndefined();
    expect(didYouMean("Orgin", ["Origin", "Name"])).toBe("Origin");
  });

  it("follow a code node's declared columns, * standing for its input's, and a splits edge", () => {
    const code = [
      "# @input input: dataset",
      '# @output dataset: dataset(*, "mass kg": DOUBLE, Name: VARCHAR)',
      "def run(ctx):",
      "    pass",
    ].join("\n");
    const g = {
      nodes: [
        { id: "raw", type: "ingest.file", params: { path: "cars.csv" } },
        { id: "py", type: "code.python", params: { code } },
        { id: "split", type: "prep.split", params: { label: "Origin" } },
        { id: "impute", type: "prep.impute", params: {} },
        { id: "scale", type: "prep.scale", params: { columns: ["mass_kg"] } },
      ],
      edges: [
        { source: "raw", sourcePort: "dataset", target: "py", targetPort: "input" },
        { source: "py", sourcePort: "dataset", target: "split", targetPort: "input" },
        { source: "split", sourcePort: "splits", target: "impute", targetPort: "splits" },
        { source: "impute", sourcePort: "splits", target: "scale", targetPort: "splits" },
      ],
    };
    const { inputColumns } = designColumns(g, probed);
    expect(inputColumns("split")).toEqual([
      { name: "Miles_per_Gallon", type: "DOUBLE" },
      { name: "Horsepower", type: "BIGINT" },
      { name: "Year", type: "DATE" },
      { name: "Origin", type: "VARCHAR" },
      { name: "mass kg", type: "DOUBLE" },
      { name: "Name", type: "VARCHAR" },
    ]);
    // Through the splits bundle too: Scale's mistyped column is flagged with the closest one.
    expect(inputColumns("scale")?.map((c) => c.name)).toContain("mass kg");
    const errors = columnErrors(g, probed);
    expect(errors.map((e) => [e.nodeId, e.message])).toEqual([
      ["scale", expect.stringMatching(/no column "mass_kg"; did you mean "mass kg"\?/)],
    ]);
  });
});
