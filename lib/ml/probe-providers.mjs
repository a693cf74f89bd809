// Runs in a child process of the worker: opening the CUDA or WebGPU provider on a machine without
// one makes onnxruntime and Dawn print error dumps to stderr, which the parent keeps out of its log.
// Reads a one-op model (base64) on stdin; prints { usable, errors } as one JSON line on stdout.
import * as ort from "onnxruntime-node";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const model = Buffer.from(input.trim(), "base64");
const listed = new Set(ort.listSupportedBackends().map((b) => b.name));
const usable = [];
const errors = {};
for (const p of ["cuda", "webgpu"]) {
  if (!listed.has(p)) {
    errors[p] = "not built into this onnxruntime-node";
    continue;
  }
  try {
    const s = await ort.InferenceSession.create(model, {
      executionProviders: [p],
      logSeverityLevel: 4,
    });
    await s.run({ x: new ort.Tensor("float32", new Float32Array([1]), [1]) });
    await s.release();
    usable.push(p);
  } catch (err) {
    errors[p] = err instanceof Error ? err.message : String(err);
  }
}
process.stdout.write(JSON.stringify({ usable, errors }) + "\n");
