import fs from "node:fs";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

/**
 * Whether an ONNX model keeps tensors outside itself (ONNX "external data": a tensor whose bytes
 * live in a file the model names). onnxruntime resolves such a name against the loading
 * process's working directory, so a model that sandboxed code wrote could make the worker, and
 * later every evaluation and serving process, read a file of theirs into a tensor
 * (`package.json`, `.data/admin-password.txt`) and answer it back as a prediction. Models from
 * code nodes must carry all their tensors inline.
 */

let modelType: protobuf.Type | undefined;
function ModelProto(): protobuf.Type {
  modelType ??= protobuf
    .parse(
      fs.readFileSync(fileURLToPath(new URL("../ml/onnx/onnx.proto", import.meta.url)), "utf8"),
      { keepCase: true },
    )
    .root.lookupType("onnx.ModelProto");
  return modelType;
}

const EXTERNAL = 1; // TensorProto.DataLocation.EXTERNAL

/** True when any tensor (initializers, attributes, subgraphs, functions) refers to external data. */
export function hasExternalData(model: Uint8Array): boolean {
  const root = ModelProto().decode(model) as unknown;
  const stack: unknown[] = [root];
  while (stack.length) {
    const value = stack.pop();
    if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) continue;
    if (Array.isArray(value)) {
      // Numbers (a tensor's float_data…) need no look; messages do.
      for (const item of value as unknown[])
        if (item !== null && typeof item === "object") stack.push(item);
      continue;
    }
    const message = value as { data_location?: unknown; external_data?: unknown };
    if (
      message.data_location === EXTERNAL ||
      (Array.isArray(message.external_data) && message.external_data.length > 0)
    )
      return true;
    for (const key of Object.keys(value)) stack.push((value as Record<string, unknown>)[key]);
  }
  return false;
}
