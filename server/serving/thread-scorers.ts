import { Worker } from "node:worker_threads";
import type { ScorerFactory } from "./scorer";

type Reply = { id: number; ok: true } & Record<string, unknown>;
type Failure = { id: number; ok: false; error: string };

/**
 * Sessions in a dedicated inference thread (`npm run serve`): the HTTP thread parses, validates
 * and logs while the other thread runs onnxruntime, so the two use two cores. If the thread dies,
 * pending calls fail and the next call starts a new thread and reopens its model there.
 */
export function threadScorers(): ScorerFactory {
  let worker: Worker | undefined;
  let generation = 0;
  let nextId = 1;
  const pending = new Map<number, { resolve(r: Reply): void; reject(e: Error): void }>();

  const thread = () => {
    if (worker) return worker;
    const w = new Worker(new URL("./scorer-thread.mjs", import.meta.url));
    generation++;
    w.on("message", (m: Reply | Failure) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m);
      else p?.reject(new Error(m.error));
    });
    const gone = (why: string) => {
      if (worker !== w) return;
      worker = undefined;
      for (const p of pending.values()) p.reject(new Error(`inference thread ${why}`));
      pending.clear();
    };
    w.on("error", (err) => gone(`failed: ${err.message}`));
    w.on("exit", (code) => gone(`exited with code ${code}`));
    w.unref();
    worker = w;
    return w;
  };

  const call = (message: Record<string, unknown>, transfer: ArrayBuffer[] = []) =>
    new Promise<Reply>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      thread().postMessage({ ...message, id }, transfer);
    });

  return {
    async open(model, signature) {
      const inputs = signature.inputs.map((i) => ({ name: i.name, text: i.type === "string" }));
      const numeric = inputs.filter((i) => !i.text).map((i) => i.name);
      const text = inputs.filter((i) => i.text).map((i) => i.name);
      // The session in the current thread; calls that find the thread new share one reopening.
      let opened: { generation: number; session: Promise<number> } | undefined;
      const ensure = () => {
        thread();
        if (opened?.generation !== generation) {
          const session = call({ op: "open", model, inputs }).then((r) => r.session as number);
          opened = { generation, session };
          session.catch(() => {
            if (opened?.session === session) opened = undefined;
          });
        }
        return opened.session;
      };
      await ensure();
      return {
        async run(rows, columns) {
          const session = await ensure();
          // One packed array (moved, not copied) instead of one array per input: the structured
          // clone of many small arrays cost the HTTP thread more than the scoring it handed off.
          const numbers = new Float64Array(numeric.length * rows);
          numeric.forEach((n, k) => numbers.set(columns[n] as Float64Array, k * rows));
          const strings = text.map((n) => columns[n] as string[]);
          const r = await call({ op: "run", session, rows, numbers, strings }, [numbers.buffer]);
          return r.prediction
            ? { prediction: r.prediction as Float32Array }
            : {
                label: r.label as (string | number)[],
                probabilities: r.probabilities as Float32Array,
              };
        },
        async release() {
          const current = opened?.generation === generation ? opened.session : undefined;
          opened = undefined;
          if (current) await call({ op: "release", session: await current });
        },
      };
    },
    async close() {
      const w = worker;
      worker = undefined;
      await w?.terminate();
    },
  };
}
