import { describe, expect, it } from "vitest";
import type { ArtifactStore } from "../artifacts/store";
import type { Db } from "../db/client";
import { probeColumns } from "./probe-columns";

const none = undefined as unknown as Db;
const noStore = undefined as unknown as ArtifactStore;

describe("probing an ingest node's columns before it runs", () => {
  it("reads a sample's header and types with the node's options", async () => {
    const probe = await probeColumns(none, noStore, "w", {
      type: "ingest.sample",
      params: { dataset: "penguins-raw" },
    });
    expect("columns" in probe && probe.columns.slice(0, 3)).toEqual([
      { name: "studyName", type: "VARCHAR" },
      { name: "Sample Number", type: "BIGINT" },
      { name: "Species", type: "VARCHAR" },
    ]);
  });

  it("says unknown for what it cannot probe, and for params that do not parse", async () => {
    expect(await probeColumns(none, noStore, "w", { type: "prep.split", params: {} })).toEqual({
      unknown: true,
    });
    expect(
      await probeColumns(none, noStore, "w", { type: "ingest.sample", params: { dataset: 7 } }),
    ).toEqual({ unknown: true });
  });
});
