// The inference thread of `npm run serve`: onnxruntime sessions run here, so a request's
// session.run (synchronous inside onnxruntime-node) never blocks the thread answering HTTP.
// Plain JavaScript so that node, tsx and vitest can all start it as a worker without a loader.
import { parentPort } from "node:worker_threads";
import * as ort from "onnxruntime-node";

const sessions = new Map();
let next = 1;

async function handle(m) {
  if (m.op === "open") {
    const session = await ort.InferenceSession.create(m.model, {
      executionProviders: ["cpu"],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
    const id = next++;
    sessions.set(id, { session, inputs: m.inputs });
    return { session: id };
  }
  const open = sessions.get(m.session);
  if (!open) throw new Error(`no open session ${m.session}`);
  if (m.op === "release") {
    sessions.delete(m.session);
    await open.session.release();
    return {};
  }
  // Numeric inputs arrive packed in one array, input after input; text inputs as string arrays.
  const feeds = {};
  let numeric = 0;
  let text = 0;
  for (const input of open.inputs) {
    feeds[input.name] = input.text
      ? new ort.Tensor("string", m.strings[text++], [m.rows, 1])
      : new ort.Tensor("float64", m.numbers.subarray(numeric * m.rows, ++numeric * m.rows), [
          m.rows,
          1,
        ]);
  }
  const out = await open.session.run(feeds);
  if (out.prediction) return { prediction: out.prediction.data };
  return {
    label: Array.from(out.label.data, (x) => (typeof x === "bigint" ? Number(x) : x)),
    probabilities: out.probabilities.data,
  };
}

parentPort.on("message", (m) => {
  handle(m).then(
    (result) => parentPort.postMessage({ id: m.id, ok: true, ...result }),
    (err) => parentPort.postMessage({ id: m.id, ok: false, error: err?.message ?? String(err) }),
  );
});
