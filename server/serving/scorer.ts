import { PayloadError } from "../../lib/errors";
import { RowStepsInputError } from "../../lib/data/row-steps";
import type { Signature } from "../../lib/ml/export";
import { graphColumns } from "../../lib/ml/served";
import { openSession } from "../../lib/ml/ort";
import { inputTensor } from "../../lib/ml/scoring";
import type { Columns } from "./payload";

export interface Scored {
  label?: (string | number)[];
  probabilities?: Float32Array;
  prediction?: Float32Array;
}

/** One model version, ready to score columns of raw inputs. */
export interface Scorer {
  run(rows: number, columns: Columns): Promise<Scored>;
  release(): Promise<void>;
}

export interface ScorerFactory {
  open(model: Uint8Array, signature: Signature): Promise<Scorer>;
  close(): Promise<void>;
}

/** Sessions in the calling thread: for the web app, which serves little beside the UI. */
export const localScorers: ScorerFactory = {
  async open(model, signature) {
    const { session } = await openSession(model, { threads: 1 });
    return {
      async run(rows, columns) {
        const feeds = Object.fromEntries(
          signature.inputs.map((i) => [i.name, inputTensor(i, columns[i.name]!, 0, rows)]),
        );
        const out = await session.run(feeds);
        if (out.prediction) return { prediction: out.prediction.data as Float32Array };
        const label = Array.from(out.label!.data as ArrayLike<string | number | bigint>, (x) =>
          typeof x === "bigint" ? Number(x) : x,
        );
        return { label, probabilities: out.probabilities!.data as Float32Array };
      },
      release: () => session.release(),
    };
  },
  close: () => Promise.resolve(),
};

/**
 * Opens a model whose row steps (derived columns, SQL) run before its graph: each request's
 * columns go through them (out of process, lib/data/row-steps.ts), then to the graph's session.
 */
export async function openScorer(
  factory: ScorerFactory,
  model: Uint8Array,
  signature: Signature,
): Promise<Scorer> {
  const t = signature.transform;
  if (!t) return factory.open(model, signature);
  const graph = await factory.open(model, {
    ...signature,
    inputs: t.graphInputs,
    transform: undefined,
  });
  return {
    async run(rows, columns) {
      const g = await graphColumns(signature, rows, columns).catch((err: unknown) => {
        if (err instanceof RowStepsInputError) throw new PayloadError("inputs", err.message);
        throw err;
      });
      return graph.run(rows, g.columns);
    },
    release: () => graph.release(),
  };
}
