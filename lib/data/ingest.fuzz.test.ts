import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeRelation } from "./dataset";
import { IngestError } from "../errors";
import { readFileInto } from "./ingest";
import { openSandbox, type Sandbox } from "./sandbox";

/** A file's bytes with a few of them changed, cut short, or with junk put in. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant("flip" as const),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    junk: fc.uint8Array({ maxLength: 16 }),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function apply(bytes: Buffer, ms: Mutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const m of ms) {
    const at = out.length ? m.at % out.length : 0;
    if (m.kind === "flip") out[at] = m.byte;
    else if (m.kind === "cut") out = out.subarray(0, at);
    else out = Buffer.concat([out.subarray(0, at), Buffer.from(m.junk), out.subarray(at)]);
  }
  return out;
}

describe("fuzzing ingest with broken files", () => {
  let dir = "";
  let box: Sandbox;
  const originals: Record<string, Buffer> = {};
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ingest-fuzz-"));
    box = await openSandbox(dir);
    const csv = await readFile("examples/data/penguins.csv");
    originals["penguins.csv"] = csv.subarray(0, 4000);
    await writeFile(path.join(dir, "source.csv"), originals["penguins.csv"]);
    await box.connection.run(
      `COPY (SELECT * FROM read_csv('${path.join(dir, "source.csv")}')) TO '${path.join(dir, "source.parquet")}' (FORMAT parquet)`,
    );
    originals["penguins.parquet"] = await readFile(path.join(dir, "source.parquet"));
    originals["penguins.jsonl"] = Buffer.from(
      (
        await box.connection.runAndReadAll(
          `SELECT * FROM read_csv('${path.join(dir, "source.csv")}') LIMIT 30`,
        )
      )
        .getRowObjectsJson()
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
  });
  afterAll(async () => {
    box.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("profiles text holding a NUL byte and quotes (found by the fuzzer in a damaged Parquet file)", async () => {
    await box.connection.run(
      "CREATE OR REPLACE TABLE odd AS SELECT 'Adelie' || chr(0) || 'it''s' AS s FROM range(3)",
    );
    const meta = await describeRelation(box.connection, "odd");
    expect(meta.profile[0]!.topValues).toEqual([{ value: "Adelie\u0000it's", count: 3 }]);
  });

  it.each(["penguins.csv", "penguins.parquet", "penguins.jsonl"])(
    "%s, mutated, is read or refused with an error naming the file",
    async (name) => {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (ms) => {
          const file = path.join(dir, `case-${name}`);
          await writeFile(file, apply(originals[name]!, ms));
          try {
            await readFileInto(box.connection, file, name);
          } catch (err) {
            expect(err).toBeInstanceOf(IngestError);
            expect((err as Error).message.startsWith(`${name}: `)).toBe(true);
            expect((err as Error).message.length).toBeLessThan(2000);
            return;
          }
          const meta = await describeRelation(box.connection, "dataset");
          expect(meta.schema.length).toBeGreaterThan(0);
        }),
        { numRuns: 150 },
      );
    },
    120_000,
  );
});
