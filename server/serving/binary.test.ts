import { describe, expect, it } from "vitest";
import {
  decodeInferRequest,
  encodeInferResponse,
  parseInferJson,
  requestedOutputs,
} from "./binary";

/** A request as tritonclient builds one: the JSON header, then each binary tensor's bytes. */
function request(header: object, ...tensors: Buffer[]) {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...tensors]), length: String(json.length) };
}
const bytes = (...values: string[]) =>
  Buffer.concat(
    values.map((v) => {
      const s = Buffer.from(v);
      const n = Buffer.alloc(4);
      n.writeUInt32LE(s.length);
      return Buffer.concat([n, s]);
    }),
  );

describe("binary tensor data", () => {
  it("decodes numbers and text after the JSON header into each input's data", () => {
    const fp64 = Buffer.from(Float64Array.from([47.5, NaN]).buffer);
    const text = bytes("Biscoe", "Île de Ré");
    const { body, length } = request(
      {
        inputs: [
          { name: "bill", datatype: "FP64", shape: [2, 1], parameters: { binary_data_size: 16 } },
          { name: "sex", datatype: "BYTES", shape: [2, 1], data: ["male", ""] },
          {
            name: "island",
            datatype: "BYTES",
            shape: [2, 1],
            parameters: { binary_data_size: text.length },
          },
        ],
      },
      fp64,
      text,
    );
    const decoded = decodeInferRequest(body, length) as { inputs: { data: unknown[] }[] };
    expect(decoded.inputs[0]!.data).toEqual([47.5, NaN]);
    expect(decoded.inputs[1]!.data).toEqual(["male", ""]);
    expect(decoded.inputs[2]!.data).toEqual(["Biscoe", "Île de Ré"]);
  });

  it("refuses sizes that do not add up, naming what is wrong", () => {
    const fp64 = Buffer.from(Float64Array.from([1, 2]).buffer);
    const input = { name: "x", datatype: "FP64", shape: [2, 1] };
    const short = request({ inputs: [{ ...input, parameters: { binary_data_size: 24 } }] }, fp64);
    expect(() => decodeInferRequest(short.body, short.length)).toThrow(
      /inputs\[0\]\.parameters\.binary_data_size/,
    );
    const extra = request({ inputs: [{ ...input, parameters: { binary_data_size: 8 } }] }, fp64);
    expect(() => decodeInferRequest(extra.body, extra.length)).toThrow(/8 bytes after the tensors/);
    const odd = request(
      { inputs: [{ ...input, parameters: { binary_data_size: 5 } }] },
      fp64.subarray(0, 5),
    );
    expect(() => decodeInferRequest(odd.body, odd.length)).toThrow(/not a whole number of FP64/);
    expect(() => decodeInferRequest(fp64, "9999")).toThrow(/Inference-Header-Content-Length/);
    const cut = request(
      {
        inputs: [{ name: "s", datatype: "BYTES", shape: [1], parameters: { binary_data_size: 6 } }],
      },
      bytes("Biscoe").subarray(0, 6),
    );
    expect(() => decodeInferRequest(cut.body, cut.length)).toThrow(/BYTES element cut short/);
  });

  it("encodes the outputs asked for as binary after the header, the others as JSON", () => {
    const all = [
      { name: "label", datatype: "BYTES", shape: [2], data: ["Adelie", "Gentoo"] },
      {
        name: "probabilities",
        datatype: "FP32",
        shape: [2, 2],
        data: Float64Array.from([0.25, 0.75, 1, 0]),
      },
    ];
    const { outputs, binary } = requestedOutputs(
      {
        outputs: [{ name: "probabilities", parameters: { binary_data: true } }, { name: "label" }],
      },
      all,
    );
    const { body, headerLength } = encodeInferResponse({ model_name: "m", outputs }, binary);
    const header = JSON.parse(body.toString("utf8", 0, headerLength)) as {
      outputs: { name: string; data?: unknown[]; parameters?: { binary_data_size: number } }[];
    };
    expect(header.outputs[0]).toEqual({
      name: "label",
      datatype: "BYTES",
      shape: [2],
      data: ["Adelie", "Gentoo"],
    });
    expect(header.outputs[1]!.parameters!.binary_data_size).toBe(16);
    const floats = new Float32Array(
      body.buffer.slice(body.byteOffset + headerLength, body.byteOffset + body.length),
    );
    expect(Array.from(floats)).toEqual([0.25, 0.75, 1, 0]);
    expect(() => requestedOutputs({ outputs: [{ name: "score" }] }, all)).toThrow(
      /outputs\[0\]\.name: the model has no output "score" \(outputs: label, probabilities\)/,
    );
  });

  it("reads the bare NaN Python's json writes as null, never inside a string", () => {
    expect(parseInferJson('{"data":[1.5,NaN,-NaN,"NaN","a \\"NaN\\" b"]}')).toEqual({
      data: [1.5, null, null, "NaN", 'a "NaN" b'],
    });
    expect(() => parseInferJson('{"data":[NaNa]}')).toThrow(SyntaxError);
  });
});
