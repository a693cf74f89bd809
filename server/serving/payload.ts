import { PayloadError } from "../../lib/errors";
import type { Signature } from "../../lib/ml/export";

export type Columns = Record<string, Float64Array | string[]>;

const MAX_ROWS = 10_000;
const NUMERIC_TYPES = new Set([
  "FP64",
  "FP32",
  "FP16",
  "INT64",
  "INT32",
  "INT16",
  "INT8",
  "UINT8",
  "BOOL",
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function inputFor(sig: Signature, name: string) {
  return sig.inputs.find((i) => i.name === name) ?? sig.inputs.find((i) => i.column === name);
}

/** `field` is built only for an error message: this runs once per value of every request. */
function cell(type: "double" | "string", v: unknown, field: () => string): number | string {
  if (type === "string") {
    if (typeof v === "string") return v;
    if (v === null || v === undefined) return "";
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw new PayloadError(field(), `expected text, got ${JSON.stringify(v)?.slice(0, 40)}`);
  }
  // NaN is how a binary FP tensor (and numpy) says missing; infinities are refused.
  if (typeof v === "number" && (Number.isFinite(v) || Number.isNaN(v))) return v;
  if (v === null || v === undefined) return NaN;
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new PayloadError(
    field(),
    `expected a number or null, got ${JSON.stringify(v)?.slice(0, 40)}`,
  );
}

/** Open Inference Protocol v2 request → one column per model input. */
export function columnsFromInfer(
  sig: Signature,
  body: unknown,
): { rows: number; columns: Columns } {
  if (!isRecord(body))
    throw new PayloadError("body", "expected a JSON object with an inputs array");
  if (!Array.isArray(body.inputs)) throw new PayloadError("inputs", "expected an array of tensors");
  const columns: Columns = {};
  let rows: number | undefined;
  body.inputs.forEach((tensor: unknown, t) => {
    const at = `inputs[${t}]`;
    if (!isRecord(tensor))
      throw new PayloadError(at, "expected an object with name, shape, datatype and data");
    if (typeof tensor.name !== "string") throw new PayloadError(`${at}.name`, "expected a string");
    const input = inputFor(sig, tensor.name);
    if (!input)
      throw new PayloadError(
        `${at}.name`,
        `the model has no input "${tensor.name}" (inputs: ${sig.inputs.map((i) => i.name).join(", ")})`,
      );
    if (columns[input.name])
      throw new PayloadError(`${at}.name`, `input "${tensor.name}" given twice`);
    const datatype = tensor.datatype;
    if (typeof datatype !== "string") throw new PayloadError(`${at}.datatype`, "expected a string");
    if (input.type === "string" ? datatype !== "BYTES" : !NUMERIC_TYPES.has(datatype))
      throw new PayloadError(
        `${at}.datatype`,
        `input "${input.name}" takes ${input.type === "string" ? "BYTES" : "FP64 (or another numeric type)"}, not ${datatype}`,
      );
    const shape = tensor.shape;
    if (
      !Array.isArray(shape) ||
      shape.length < 1 ||
      shape.length > 2 ||
      !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)
    )
      throw new PayloadError(`${at}.shape`, "expected [N] or [N, 1]");
    if (shape.length === 2 && shape[1] !== 1)
      throw new PayloadError(`${at}.shape`, "the second dimension must be 1");
    const n = shape[0] as number;
    if (n > MAX_ROWS) throw new PayloadError(`${at}.shape`, `at most ${MAX_ROWS} rows per request`);
    const data = !Array.isArray(tensor.data)
      ? null
      : tensor.data.some(Array.isArray)
        ? (tensor.data.flat() as unknown[])
        : (tensor.data as unknown[]);
    if (!data) throw new PayloadError(`${at}.data`, "expected an array");
    if (data.length !== n)
      throw new PayloadError(`${at}.data`, `expected ${n} values (shape), got ${data.length}`);
    if (rows !== undefined && rows !== n)
      throw new PayloadError(
        `${at}.shape`,
        `every input needs the same number of rows (${rows}), got ${n}`,
      );
    rows = n;
    if (input.type === "string") {
      columns[input.name] = data.map(
        (v, i) => cell("string", v, () => `${at}.data[${i}]`) as string,
      );
    } else {
      const column = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = data[i];
        column[i] =
          typeof v === "number" && Number.isFinite(v)
            ? v
            : (cell("double", v, () => `${at}.data[${i}]`) as number);
      }
      columns[input.name] = column;
    }
  });
  const missing = sig.inputs.filter((i) => !columns[i.name]);
  if (missing.length)
    throw new PayloadError(
      "inputs",
      `missing input(s) ${missing.map((m) => `"${m.name}"`).join(", ")}`,
    );
  return { rows: rows ?? 0, columns };
}

/** `{ "records": [{ column: value, … }] }` (or `instances`) → one column per model input. */
export function columnsFromRecords(
  sig: Signature,
  body: unknown,
): { rows: number; columns: Columns } {
  const records = isRecord(body)
    ? (body.records ?? body.instances)
    : Array.isArray(body)
      ? body
      : undefined;
  if (!Array.isArray(records)) throw new PayloadError("records", "expected an array of records");
  if (records.length > MAX_ROWS)
    throw new PayloadError("records", `at most ${MAX_ROWS} records per request`);
  const columns: Columns = Object.fromEntries(
    sig.inputs.map((i) => [
      i.name,
      i.type === "string" ? new Array<string>(records.length) : new Float64Array(records.length),
    ]),
  );
  const known = new Set(sig.inputs.map((i) => i.column));
  records.forEach((record: unknown, r) => {
    if (!isRecord(record))
      throw new PayloadError(`records[${r}]`, "expected an object of column values");
    const unknown = Object.keys(record).filter((k) => !known.has(k) && k !== sig.label);
    if (unknown.length)
      throw new PayloadError(
        `records[${r}].${unknown[0]}`,
        `the model has no input column "${unknown[0]}" (columns: ${[...known].join(", ")})`,
      );
    for (const input of sig.inputs) {
      const field = () => `records[${r}].${input.column}`;
      if (!(input.column in record))
        throw new PayloadError(field(), "missing (send null for a missing value)");
      columns[input.name]![r] = cell(input.type, record[input.column], field);
    }
  });
  return { rows: records.length, columns };
}

/** One row's inputs as a record, for the prediction log. */
export function rowRecord(sig: Signature, columns: Columns, r: number): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const i of sig.inputs) {
    const v = columns[i.name]![r];
    record[i.column] = typeof v === "number" && !Number.isFinite(v) ? null : v;
  }
  return record;
}
