import * as ort from "onnxruntime-node";
import { GraphBuilder } from "./onnx/builder";

export type Provider = "cuda" | "webgpu" | "cpu";

let probed: Promise<Provider[]> | undefined;

/**
 * The execution providers that actually open a session on this machine, best first. A provider
 * can be compiled into onnxruntime-node yet unusable (no CUDA libraries, no GPU adapter), so each
 * one is tried on a one-op model rather than trusted from listSupportedBackends.
 */
export function usableProviders(): Promise<Provider[]> {
  probed ??= (async () => {
    const listed = new Set(ort.listSupportedBackends().map((b) => b.name));
    const g = new GraphBuilder("probe");
    g.input("x", "float", [1]);
    g.identity("x", "y");
    g.output("y", "float", [1]);
    const model = g.toBytes();
    const usable: Provider[] = [];
    for (const p of ["cuda", "webgpu"] as const) {
      if (!listed.has(p)) continue;
      try {
        const s = await ort.InferenceSession.create(model, { executionProviders: [p] });
        await s.run({ x: new ort.Tensor("float32", new Float32Array([1]), [1]) });
        await s.release();
        usable.push(p);
      } catch {
        // Not usable here: no driver, no adapter, or libraries not installed.
      }
    }
    usable.push("cpu");
    return usable;
  })();
  return probed;
}

export interface Session {
  session: ort.InferenceSession;
  provider: Provider;
}

/** Opens a session on the best usable provider when the step asked for a GPU, else on the CPU. */
export async function openSession(
  model: Uint8Array,
  options: { gpu?: boolean; threads?: number } = {},
): Promise<Session> {
  const provider = options.gpu ? ((await usableProviders())[0] ?? "cpu") : "cpu";
  const session = await ort.InferenceSession.create(model, {
    executionProviders: provider === "cpu" ? ["cpu"] : [provider, "cpu"],
    intraOpNumThreads: options.threads ?? 0,
    ...(options.threads === 1
      ? { interOpNumThreads: 1, executionMode: "sequential" as const }
      : {}),
    graphOptimizationLevel: "all",
  });
  return { session, provider };
}

export { ort };
