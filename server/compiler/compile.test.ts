import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PipelineInvalidError } from "../../lib/errors";
import { compilePipeline } from "./compile";

const nodes = [
  { id: "numbers", type: "internal.numbers", params: { count: 5 } },
  { id: "wait", type: "internal.sleep", params: {} },
  { id: "sum", type: "internal.sum" },
  { id: "side", type: "internal.sum" },
];
const edges = [
  { source: "numbers", sourcePort: "numbers", target: "wait", targetPort: "in" },
  { source: "wait", sourcePort: "out", target: "sum", targetPort: "numbers" },
  { source: "numbers", sourcePort: "numbers", target: "side", targetPort: "numbers" },
];
const doc = (n: unknown[], e: unknown[]) => ({
  apiVersion: "flowforge.dev/v1",
  kind: "Pipeline",
  name: "c",
  nodes: n,
  edges: e,
});

describe("compilePipeline", () => {
  it("orders steps topologically, fills in param defaults, and routes to task queues", () => {
    const { plan } = compilePipeline(doc(nodes, edges));
    expect(plan.steps.map((s) => s.id)).toEqual(["numbers", "side", "wait", "sum"]);
    expect(plan.steps.find((s) => s.id === "wait")).toMatchObject({
      params: { ms: 1000, failTimes: 0 },
      inputs: { in: { step: "numbers", port: "numbers" } },
      taskQueue: "cpu",
      heartbeatTimeoutMs: 3000,
      retry: { maximumAttempts: 6 },
    });
  });

  it("gives the same bytes and hash whatever the order of nodes and edges", () => {
    const a = compilePipeline(doc(nodes, edges));
    const b = compilePipeline(doc([...nodes].reverse(), [...edges].reverse()));
    expect(JSON.stringify(b.plan)).toBe(JSON.stringify(a.plan));
    expect(b.hash).toBe(a.hash);
    const changed = compilePipeline(
      doc(
        nodes.map((n) => (n.id === "numbers" ? { ...n, params: { count: 6 } } : n)),
        edges,
      ),
    );
    expect(changed.hash).not.toBe(a.hash);
  });

  it("refuses an invalid graph with every error", () => {
    expect(() => compilePipeline(doc([{ id: "x", type: "bogus" }], []))).toThrow(
      PipelineInvalidError,
    );
  });
});

describe("compilePipeline determinism (property-based)", () => {
  /** Random DAGs of noop nodes: each node reads at most one earlier node, so edges never cycle. */
  const dag = fc
    .integer({ min: 1, max: 40 })
    .chain((n) =>
      fc.tuple(
        fc.constant(n),
        fc.array(fc.option(fc.nat(), { nil: undefined }), { minLength: n, maxLength: n }),
        fc.array(fc.string({ maxLength: 5 }), { minLength: n, maxLength: n }),
      ),
    );
  const build = ([n, parents, tags]: [number, (number | undefined)[], string[]]) => ({
    nodes: Array.from({ length: n }, (_, i) => ({
      id: `n${i}`,
      type: "internal.noop",
      params: { tag: tags[i] },
    })),
    edges: parents.flatMap((p, i) =>
      i > 0 && p !== undefined
        ? [{ source: `n${p % i}`, sourcePort: "out", target: `n${i}`, targetPort: "in" }]
        : [],
    ),
  });

  it("gives byte-identical plans and hashes whatever the order of nodes and edges", () => {
    fc.assert(
      fc.property(dag, fc.integer(), (spec, seed) => {
        const { nodes, edges } = build(spec);
        const a = compilePipeline(doc(nodes, edges));
        const shuffle = <T>(xs: T[]) =>
          fc.sample(fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }), {
            numRuns: 1,
            seed,
          })[0]!;
        const b = compilePipeline(doc(shuffle(nodes), shuffle(edges)));
        expect(JSON.stringify(b.plan)).toBe(JSON.stringify(a.plan));
        expect(b.hash).toBe(a.hash);
        // Topological: every input comes from an earlier step.
        const seen = new Set<string>();
        for (const step of a.plan.steps) {
          for (const ref of Object.values(step.inputs)) expect(seen.has(ref.step)).toBe(true);
          seen.add(step.id);
        }
      }),
      { numRuns: 200 },
    );
  });
});
