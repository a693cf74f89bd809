import type { ColumnInfo, PortDefinition } from "./types";

/** Fitted prep nodes take the three splits, learn on train, and apply to all of them. */
export const splitInputs: PortDefinition[] = [
  { name: "train", kind: "dataset", label: "Train", required: true, bundle: "splits" },
  { name: "validation", kind: "dataset", label: "Validation", required: false, bundle: "splits" },
  { name: "test", kind: "dataset", label: "Test", required: false, bundle: "splits" },
];

const numeric =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/;

/** A DuckDB type that holds numbers. */
export const isNumericType = (type: string) => numeric.test(type);

/**
 * The columns a fitted step writes to each split: each split's own, with `retype` applied (for
 * example whole numbers that a mean turns fractional).
 */
export function splitColumns(
  inputs: Record<string, ColumnInfo[] | undefined>,
  retype: (column: ColumnInfo) => string = (c) => c.type,
): Record<string, ColumnInfo[] | undefined> {
  const out = (port: string) => inputs[port]?.map((c) => ({ name: c.name, type: retype(c) }));
  return { train: out("train"), validation: out("validation"), test: out("test") };
}

export const splitOutputs: PortDefinition[] = [
  { name: "train", kind: "dataset", label: "Train", required: true, bundle: "splits" },
  { name: "validation", kind: "dataset", label: "Validation", required: false, bundle: "splits" },
  { name: "test", kind: "dataset", label: "Test", required: false, bundle: "splits" },
  { name: "state", kind: "json", label: "Fitted state", required: true },
];
