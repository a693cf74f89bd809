import { describe, expect, it } from "vitest";
import { servingNotes, sqlNotRowWise } from "./serving-notes";
import type { PipelineFile } from "./schema";

const pipeline = (before: { id: string; type: string; params?: unknown }[]): PipelineFile => {
  const chain = ["raw", ...before.map((n) => n.id), "split"];
  return {
    version: 1,
    name: "p",
    nodes: [
      {
        id: "raw",
        type: "ingest.sample",
        params: { dataset: "penguins" },
        position: { x: 0, y: 0 },
      },
      ...before.map((n) => ({ params: {}, position: { x: 0, y: 0 }, ...n })),
      { id: "split", type: "prep.split", params: { label: "species" }, position: { x: 0, y: 0 } },
      { id: "impute", type: "prep.impute", params: {}, position: { x: 0, y: 0 } },
      { id: "gbdt", type: "train.gbdt", params: {}, position: { x: 0, y: 0 } },
    ],
    edges: [
      ...chain.slice(1).map((target, i) => ({
        id: `e${i}`,
        source: chain[i]!,
        sourcePort: "dataset",
        target,
        targetPort: "input",
      })),
      { id: "t", source: "split", sourcePort: "train", target: "impute", targetPort: "train" },
      { id: "m", source: "impute", sourcePort: "train", target: "gbdt", targetPort: "train" },
    ],
  } as unknown as PipelineFile;
};

describe("serving notes", () => {
  it("say nothing when every step before the model runs per request", () => {
    const p = pipeline([
      { id: "year", type: "prep.derive", params: { column: "y", expression: "year(d)" } },
      { id: "keep", type: "prep.filter", params: { conditions: [] } },
      {
        id: "sql",
        type: "prep.sql",
        params: { sql: "SELECT *, 'where' AS \"group by\" FROM input" },
      },
    ]);
    expect(servingNotes(p)).toEqual([]);
  });

  it("name the step an endpoint cannot run, and only the last one before the split", () => {
    const p = pipeline([
      {
        id: "agg",
        type: "prep.sql",
        params: { sql: "SELECT island, avg(mass) AS m FROM input GROUP BY island" },
      },
      { id: "code", type: "code.typescript", params: {} },
    ]);
    const notes = servingNotes(p);
    expect(notes.map((n) => n.nodeId)).toEqual(["code"]);
    expect(notes[0]!.message).toMatch(/takes the columns it outputs, not the file's/);
  });

  it("read what makes a query change rows", () => {
    expect(sqlNotRowWise("SELECT * FROM input WHERE x > 1")).toBe("a WHERE clause");
    expect(sqlNotRowWise("SELECT *, avg(x) OVER () FROM input")).toBe("a window function");
    expect(sqlNotRowWise("SELECT *, x / 2 AS half -- no GROUP BY here\nFROM input")).toBeNull();
  });
});
