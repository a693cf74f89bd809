import { describe, expect, it } from "vitest";
import { compilePipeline, PipelineInvalidError } from "./compile";

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
