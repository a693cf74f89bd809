import fs from "node:fs";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

/** ONNX TensorProto.DataType values for the element types the product uses. */
export const DT = { float: 1, int64: 7, string: 8, bool: 9, double: 11 } as const;
export type ElemType = keyof typeof DT;

const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 };

export interface TensorValue {
  type: ElemType;
  dims: number[];
  data: Float32Array | Float64Array | number[] | string[] | boolean[];
}

export type Attr =
  | { f: number }
  | { i: number }
  | { s: string }
  | { t: TensorValue }
  | { fs: ArrayLike<number> }
  | { is: ArrayLike<number> }
  | { ss: string[] };

let modelType: protobuf.Type | undefined;
function ModelProto(): protobuf.Type {
  if (!modelType) {
    const source = fs.readFileSync(fileURLToPath(new URL("./onnx.proto", import.meta.url)), "utf8");
    modelType = protobuf.parse(source, { keepCase: true }).root.lookupType("onnx.ModelProto");
  }
  return modelType;
}

const utf8 = (s: string) => Buffer.from(s, "utf8");

function tensorProto(name: string, t: TensorValue) {
  const base = { name, dims: t.dims, data_type: DT[t.type] };
  switch (t.type) {
    case "float":
      return { ...base, raw_data: bytes(Float32Array.from(t.data as ArrayLike<number>)) };
    case "double":
      return { ...base, raw_data: bytes(Float64Array.from(t.data as ArrayLike<number>)) };
    case "int64":
      return { ...base, int64_data: Array.from(t.data as ArrayLike<number>) };
    case "bool":
      return { ...base, int32_data: Array.from(t.data as ArrayLike<number | boolean>, Number) };
    case "string":
      return { ...base, string_data: (t.data as string[]).map(utf8) };
  }
}

const bytes = (a: Float32Array | Float64Array) =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function attributeProto(name: string, a: Attr) {
  if ("f" in a) return { name, type: AttrType.FLOAT, f: a.f };
  if ("i" in a) return { name, type: AttrType.INT, i: a.i };
  if ("s" in a) return { name, type: AttrType.STRING, s: utf8(a.s) };
  if ("t" in a) return { name, type: AttrType.TENSOR, t: tensorProto("", a.t) };
  if ("fs" in a) return { name, type: AttrType.FLOATS, floats: Array.from(a.fs) };
  if ("is" in a) return { name, type: AttrType.INTS, ints: Array.from(a.is) };
  return { name, type: AttrType.STRINGS, strings: a.ss.map(utf8) };
}

function valueInfo(name: string, type: ElemType, shape: (number | string)[]) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: DT[type],
        shape: {
          dim: shape.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })),
        },
      },
    },
  };
}

/**
 * Builds an ONNX graph op by op with fresh value names, then serializes the model. The trainers
 * use it for exported models and for the training-step graphs run by onnxruntime.
 */
export class GraphBuilder {
  private readonly nodes: object[] = [];
  private readonly initializers: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  /** Puts the graph's inputs in the order of `names` (those it has; the rest after them). */
  orderInputs(names: string[]): void {
    const rank = (v: object) => {
      const i = names.indexOf((v as { name: string }).name);
      return i < 0 ? names.length : i;
    };
    this.inputs.sort((a, b) => rank(a) - rank(b));
  }

  input(name: string, type: ElemType, shape: (number | string)[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  output(name: string, type: ElemType, shape: (number | string)[]): void {
    this.outputs.push(valueInfo(name, type, shape));
  }

  init(name: string, t: TensorValue): string {
    this.used.add(name);
    this.initializers.push(tensorProto(name, t));
    return name;
  }

  /** A constant initializer with a fresh name. */
  constant(t: TensorValue, prefix = "const"): string {
    return this.init(this.fresh(prefix), t);
  }

  scalar(value: number, type: ElemType = "float"): string {
    return this.constant({ type, dims: [], data: [value] });
  }

  /** Adds a node; its outputs are the given names, or one fresh name. Returns the first output. */
  op(
    opType: string,
    inputs: string[],
    attrs: Record<string, Attr> = {},
    options: { outputs?: string[]; domain?: string } = {},
  ): string {
    const outputs = options.outputs ?? [this.fresh(opType.toLowerCase())];
    for (const o of outputs) this.used.add(o);
    this.nodes.push({
      op_type: opType,
      domain: options.domain ?? "",
      input: inputs,
      output: outputs,
      name: this.fresh(`n_${opType}`),
      attribute: Object.entries(attrs).map(([k, v]) => attributeProto(k, v)),
    });
    return outputs[0]!;
  }

  /** Renames a value to a graph output name. */
  identity(from: string, to: string): string {
    return this.op("Identity", [from], {}, { outputs: [to] });
  }

  toBytes(metadata: Record<string, string> = {}, opset = 17): Uint8Array {
    const Model = ModelProto();
    const message = Model.fromObject({
      ir_version: 8,
      producer_name: "flowforge",
      producer_version: "1",
      opset_import: [
        { domain: "", version: opset },
        { domain: "ai.onnx.ml", version: 3 },
      ],
      metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return Model.encode(message).finish();
  }
}

/** Reads a serialized model's metadata properties (the signature travels in them). */
export function readMetadata(model: Uint8Array): Record<string, string> {
  const decoded = ModelProto().toObject(ModelProto().decode(model), { bytes: String }) as {
    metadata_props?: { key: string; value: string }[];
  };
  return Object.fromEntries((decoded.metadata_props ?? []).map((p) => [p.key, p.value]));
}
