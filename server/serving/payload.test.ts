import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Signature } from "../../lib/ml/export";
import { PayloadError } from "../../lib/errors";
import { columnsFromInfer, columnsFromRecords } from "./payload";

const sig: Signature = {
  task: "multiclass",
  label: "species",
  classes: ["a", "b", "c"],
  features: ["x", "island=A"],
  inputs: [
    { name: "x", column: "x", type: "double", sourceType: "DOUBLE" },
    { name: "island", column: "island", type: "string", sourceType: "VARCHAR" },
    { name: "body_mass__g_", column: "body mass (g)", type: "double", sourceType: "BIGINT" },
  ],
  outputs: [],
};

/** Either a valid set of equally long columns, or a PayloadError that names a field. */
function checkOutcome(
  fn: () => { rows: number; columns: Record<string, unknown[] | Float64Array> },
) {
  try {
    const { rows, columns } = fn();
    for (const input of sig.inputs) expect(columns[input.name]?.length).toBe(rows);
  } catch (err) {
    expect(err).toBeInstanceOf(PayloadError);
    expect((err as PayloadError).field.length).toBeGreaterThan(0);
    const e = err as PayloadError;
    expect(e.message.startsWith(`${e.field}: `)).toBe(true);
  }
}

const cell = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.object(),
  fc.array(fc.anything()),
);

describe("inference payloads", () => {
  it("random JSON never crashes the parsers: valid columns or a named field error", () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        checkOutcome(() => columnsFromInfer(sig, body));
        checkOutcome(() => columnsFromRecords(sig, body));
      }),
      { numRuns: 500 },
    );
  });

  it("mutated valid requests are parsed or rejected with the field named", () => {
    const tensor = (name: string, datatype: string, data: unknown[]) => ({
      name,
      datatype,
      shape: [data.length, 1],
      data,
    });
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.integer()),
          { minLength: 1, maxLength: 20 },
        ),
        fc.nat(5),
        cell,
        (rows, mutation, junk) => {
          const inputs: Record<string, unknown>[] = [
            tensor(
              "x",
              "FP64",
              rows.map((r) => r[0]),
            ),
            tensor(
              "island",
              "BYTES",
              rows.map((r) => r[1]),
            ),
            tensor(
              "body mass (g)",
              "INT64",
              rows.map((r) => r[2]),
            ),
          ];
          const target = inputs[mutation % 3]!;
          if (mutation === 3) (target.data as unknown[])[0] = junk;
          if (mutation === 4) target.shape = [rows.length + 1, 1];
          if (mutation === 5) inputs.pop();
          checkOutcome(() => columnsFromInfer(sig, { inputs }));
          const records = rows.map((r) => ({
            x: r[0],
            island: r[1],
            "body mass (g)": mutation === 3 ? junk : r[2],
          }));
          checkOutcome(() => columnsFromRecords(sig, { records }));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("accepts column names as tensor names and nulls as missing values", () => {
    const r = columnsFromRecords(sig, { records: [{ x: null, island: null, "body mass (g)": 3 }] });
    expect(Number.isNaN((r.columns.x as Float64Array)[0])).toBe(true);
    expect(r.columns.island).toEqual([""]);
    expect(() => columnsFromRecords(sig, { records: [{ x: 1, island: "A" }] })).toThrow(
      /records\[0\]\.body mass \(g\): missing/,
    );
  });
});
