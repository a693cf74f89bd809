import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { GraphBuilder } from "./onnx/builder";

export type Provider = "cuda" | "webgpu" | "cpu";

export interface ProviderProbe {
  /** Usable providers, best first; always ends with "cpu". */
  providers: Provider[];
  /** Why each GPU provider is not usable here, one short phrase each. */
  unusable: Partial<Record<Exclude<Provider, "cpu">, string>>;
}

let probed: Promise<ProviderProbe> | undefined;

const MISSING_LIBRARY = /([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file/;

/** Why a provider failed, in a few words: onnxruntime's messages run to several hundred characters. */
function gist(provider: "cuda" | "webgpu", message: string, stderr: string): string {
  if (provider === "cuda") {
    const missing = MISSING_LIBRARY.exec(stderr) ?? MISSING_LIBRARY.exec(message);
    if (missing || /Failed to load shared library/.test(message))
      return `CUDA libraries not installed${missing ? ` (${missing[1]} not found)` : ""}`;
  } else {
    const vulkan = /Couldn't load Vulkan: ([\w.+-]+)/.exec(stderr);
    if (vulkan) return `no Vulkan (${vulkan[1]} not found)`;
    if (/webgpu_context|adapter/i.test(message)) return "no WebGPU adapter";
  }
  const first = message.split("\n")[0]!.replace(/^.*\] : \d+ : \w+ : /, "");
  return first.length > 120 ? `${first.slice(0, 117)}…` : first;
}

/**
 * The execution providers that actually open a session on this machine. A provider can be
 * compiled into onnxruntime-node yet unusable (no CUDA libraries, no GPU adapter), so each one is
 * tried on a one-op model rather than trusted from listSupportedBackends, in a child process so
 * that the native libraries' error dumps stay out of the worker's log.
 */
export function probeProviders(): Promise<ProviderProbe> {
  probed ??= (async (): Promise<ProviderProbe> => {
    const g = new GraphBuilder("probe");
    g.input("x", "float", [1]);
    g.identity("x", "y");
    g.output("y", "float", [1]);
    const model = Buffer.from(g.toBytes()).toString("base64");
    const script = fileURLToPath(new URL("./probe-providers.mjs", import.meta.url));
    let stderr = "";
    const result = await new Promise<{ usable: Provider[]; errors: Record<string, string> }>(
      (resolve) => {
        const child = execFile(
          process.execPath,
          [script],
          { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 },
          (err, stdout, childStderr) => {
            stderr = childStderr;
            const line = stdout.trim().split("\n").pop() ?? "";
            try {
              resolve(JSON.parse(line) as { usable: Provider[]; errors: Record<string, string> });
            } catch {
              const why = err ? (err.message.split("\n")[0] ?? "") : "the probe printed nothing";
              resolve({ usable: [], errors: { cuda: why, webgpu: why } });
            }
          },
        );
        child.stdin?.end(model);
      },
    );
    const providers: Provider[] = [
      ...result.usable.filter((p) => p === "cuda" || p === "webgpu"),
      "cpu",
    ];
    const unusable: ProviderProbe["unusable"] = {};
    for (const p of ["cuda", "webgpu"] as const) {
      const why = result.errors[p];
      if (!providers.includes(p)) unusable[p] = gist(p, why ?? "not usable", stderr);
    }
    return { providers, unusable };
  })();
  return probed;
}

export async function usableProviders(): Promise<Provider[]> {
  return (await probeProviders()).providers;
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
