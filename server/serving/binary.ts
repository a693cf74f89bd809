import { PayloadError } from "../../lib/errors";

/**
 * The Open Inference Protocol's binary tensor data extension (KServe v2, as Triton and its
 * clients speak it): a request or response body is a JSON header of `Inference-Header-Content-
 * Length` bytes followed by the raw bytes of the tensors whose `parameters.binary_data_size` says
 * so, in tensor order. Numbers are little-endian; each BYTES element is a 4-byte little-endian
 * length and its bytes.
 */

const WIDTH: Record<string, number> = {
  BOOL: 1,
  INT8: 1,
  UINT8: 1,
  INT16: 2,
  UINT16: 2,
  INT32: 4,
  UINT32: 4,
  INT64: 8,
  UINT64: 8,
  FP32: 4,
  FP64: 8,
};

function decodeTensor(datatype: string, bytes: Buffer, at: string): (number | string | boolean)[] {
  if (datatype === "BYTES") {
    const out: string[] = [];
    for (let o = 0; o < bytes.length;) {
      if (o + 4 > bytes.length) throw new PayloadError(at, "BYTES element length cut short");
      const n = bytes.readUInt32LE(o);
      o += 4;
      if (o + n > bytes.length) throw new PayloadError(at, "BYTES element cut short");
      out.push(bytes.toString("utf8", o, o + n));
      o += n;
    }
    return out;
  }
  const width = WIDTH[datatype];
  if (!width) throw new PayloadError(at, `binary data of type ${datatype} is not supported`);
  if (bytes.length % width !== 0)
    throw new PayloadError(at, `${bytes.length} bytes is not a whole number of ${datatype} values`);
  const n = bytes.length / width;
  const read: Record<string, (o: number) => number | boolean> = {
    BOOL: (o) => bytes[o] !== 0,
    INT8: (o) => bytes.readInt8(o),
    UINT8: (o) => bytes.readUInt8(o),
    INT16: (o) => bytes.readInt16LE(o),
    UINT16: (o) => bytes.readUInt16LE(o),
    INT32: (o) => bytes.readInt32LE(o),
    UINT32: (o) => bytes.readUInt32LE(o),
    INT64: (o) => Number(bytes.readBigInt64LE(o)),
    UINT64: (o) => Number(bytes.readBigUInt64LE(o)),
    FP32: (o) => bytes.readFloatLE(o),
    FP64: (o) => bytes.readDoubleLE(o),
  };
  const get = read[datatype]!;
  return Array.from({ length: n }, (_, i) => get(i * width));
}

/**
 * JSON, and the bare NaN that Python's json (so tritonclient) writes for a missing number: read as
 * null, outside strings only, and only when the text is not JSON as it is.
 */
export function parseInferJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (!text.includes("NaN")) throw err;
    const nulls = text.replace(/"(?:[^"\\]|\\.)*"|(?<![\w.])-?NaN(?![\w.])/g, (token) =>
      token.startsWith('"') ? token : "null",
    );
    try {
      return JSON.parse(nulls) as unknown;
    } catch {
      throw err;
    }
  }
}

/**
 * The request as JSON infer takes it: with `headerLength` (the Inference-Header-Content-Length
 * header), each binary input's bytes become its `data`; without, the body is all JSON.
 */
export function decodeInferRequest(body: Buffer, headerLength: string | undefined): unknown {
  if (headerLength === undefined) return parseInferJson(body.toString("utf8"));
  const n = Number(headerLength);
  if (!Number.isInteger(n) || n < 0 || n > body.length)
    throw new PayloadError(
      "Inference-Header-Content-Length",
      `expected the JSON header's length, at most the body's ${body.length} bytes (got ${JSON.stringify(headerLength)})`,
    );
  const header = parseInferJson(body.toString("utf8", 0, n)) as { inputs?: unknown };
  let offset = n;
  if (Array.isArray(header.inputs))
    header.inputs.forEach((tensor: unknown, t) => {
      const at = `inputs[${t}]`;
      const p = (tensor as { parameters?: { binary_data_size?: unknown } } | null)?.parameters;
      if (p?.binary_data_size === undefined) return;
      const size = p.binary_data_size;
      if (
        !Number.isInteger(size) ||
        (size as number) < 0 ||
        offset + (size as number) > body.length
      )
        throw new PayloadError(
          `${at}.parameters.binary_data_size`,
          `expected a byte count within the ${body.length - offset} bytes left in the body`,
        );
      const t0 = tensor as { datatype?: unknown; data?: unknown };
      if (typeof t0.datatype !== "string")
        throw new PayloadError(`${at}.datatype`, "expected a string");
      t0.data = decodeTensor(t0.datatype, body.subarray(offset, offset + (size as number)), at);
      offset += size as number;
    });
  if (offset !== body.length)
    throw new PayloadError(
      "body",
      `${body.length - offset} bytes after the tensors that binary_data_size accounts for`,
    );
  return header;
}

export interface OutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: ArrayLike<number> | (string | number)[];
  parameters?: Record<string, unknown>;
}

function encodeTensor(t: OutputTensor): Buffer {
  if (t.datatype === "BYTES") {
    const parts = Array.from(t.data as ArrayLike<string | number>, (v) => {
      const s = Buffer.from(String(v), "utf8");
      const len = Buffer.alloc(4);
      len.writeUInt32LE(s.length);
      return Buffer.concat([len, s]);
    });
    return Buffer.concat(parts);
  }
  const values = Array.from(t.data as ArrayLike<number>, Number);
  if (t.datatype === "FP32") return Buffer.from(Float32Array.from(values).buffer);
  if (t.datatype === "FP64") return Buffer.from(Float64Array.from(values).buffer);
  if (t.datatype === "INT64")
    return Buffer.from(BigInt64Array.from(values, (v) => BigInt(Math.trunc(v))).buffer);
  throw new Error(`no binary encoding for ${t.datatype}`);
}

/**
 * A response with the outputs named in `binary` as raw bytes after the JSON header; the caller
 * sends `headerLength` as Inference-Header-Content-Length.
 */
export function encodeInferResponse(
  response: Record<string, unknown> & { outputs: OutputTensor[] },
  binary: (name: string) => boolean,
): { body: Buffer; headerLength: number; json: Record<string, unknown> } {
  const blobs: Buffer[] = [];
  const outputs = response.outputs.map((t) => {
    if (!binary(t.name)) return { ...t, data: Array.from(t.data as ArrayLike<number>) };
    const bytes = encodeTensor(t);
    blobs.push(bytes);
    const { data: _data, ...rest } = t;
    return { ...rest, parameters: { ...t.parameters, binary_data_size: bytes.length } };
  });
  const json = { ...response, outputs };
  if (!blobs.length) return { body: Buffer.alloc(0), headerLength: 0, json };
  const header = Buffer.from(JSON.stringify(json), "utf8");
  return { body: Buffer.concat([header, ...blobs]), headerLength: header.length, json };
}

/** What an infer request may say about its outputs. */
export interface InferRequest {
  id?: unknown;
  inputs?: unknown;
  outputs?: unknown;
  parameters?: { binary_data_output?: unknown } | null;
}

/**
 * The outputs a request asked for (all when it names none), and which of them go as binary:
 * those with `parameters.binary_data`, or all with the request's `binary_data_output`.
 */
export function requestedOutputs(
  request: InferRequest,
  all: OutputTensor[],
): { outputs: OutputTensor[]; binary: (name: string) => boolean } {
  const allBinary = request.parameters?.binary_data_output === true;
  if (request.outputs === undefined) return { outputs: all, binary: () => allBinary };
  if (!Array.isArray(request.outputs))
    throw new PayloadError("outputs", "expected an array of {name, parameters}");
  const asked = new Map<string, boolean>();
  request.outputs.forEach((o: unknown, i) => {
    const out = o as { name?: unknown; parameters?: { binary_data?: unknown } } | null;
    if (typeof out?.name !== "string" || !all.some((t) => t.name === out.name))
      throw new PayloadError(
        `outputs[${i}].name`,
        `the model has no output ${JSON.stringify(out?.name)} (outputs: ${all.map((t) => t.name).join(", ")})`,
      );
    asked.set(out.name, out.parameters?.binary_data === true || allBinary);
  });
  return {
    outputs: all.filter((t) => asked.has(t.name)),
    binary: (name) => asked.get(name) === true,
  };
}
