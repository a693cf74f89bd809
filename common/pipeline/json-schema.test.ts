import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { nodeDefinitions } from "../../nodes/index";
import { defineNode, type NodeDefinition } from "../../nodes/types";
import { buildPipelineJsonSchema, PIPELINE_SCHEMA_ID, pipelineJsonSchema } from "./json-schema";

type Json = Record<string, unknown>;
const schema = pipelineJsonSchema() as Json;

describe("pipelineJsonSchema", () => {
  it("is plain JSON with a draft, an id and the file's properties", () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe(PIPELINE_SCHEMA_ID);
    expect(schema.$id).toBe("https://flowforge.dev/schemas/pipeline-v1.json");
    expect(schema.type).toBe("object");
    expect(schema.additionalProperties).toBe(false);
    // io "input": fields with defaults may be left out of a file.
    expect(schema.required).toEqual(["apiVersion", "kind", "name", "nodes"]);
  });

  it("covers every top-level key of the sample pipeline", async () => {
    const file = path.resolve(import.meta.dirname, "../../examples/hello.pipeline.json");
    const sample = JSON.parse(await readFile(file, "utf8")) as Json;
    const properties = schema.properties as Json;
    for (const key of Object.keys(sample)) expect(properties).toHaveProperty(key);
    const node = ((properties.nodes as Json).items as Json).properties as Json;
    for (const n of sample.nodes as Json[])
      for (const key of Object.keys(n)) expect(node).toHaveProperty(key);
    const edge = ((properties.edges as Json).items as Json).properties as Json;
    for (const e of sample.edges as Json[])
      for (const key of Object.keys(e)) expect(edge).toHaveProperty(key);
  });

  it("lists every node type of the catalog, with ports and params, marking internal ones", () => {
    const types = schema["x-nodeTypes"] as Record<string, Json>;
    expect(Object.keys(types).sort()).toEqual(Object.keys(nodeDefinitions).sort());
    for (const [type, def] of Object.entries(nodeDefinitions) as [string, NodeDefinition][]) {
      const entry = types[type]!;
      expect(entry).toMatchObject({
        type,
        category: def.category,
        title: def.title,
        description: def.description,
        version: def.version,
        inputs: def.inputs,
        outputs: def.outputs,
      });
      expect(entry["x-internal"]).toBe(def.internal ? true : undefined);
      expect((entry.params as Json).type).toBe("object");
      expect(entry.params).not.toHaveProperty("$schema");
    }
    // Params are documented as written: defaults make them optional.
    expect((types["internal.numbers"]!.params as Json).properties).toMatchObject({
      count: { type: "integer", minimum: 1, maximum: 100_000, default: 10 },
      seed: { type: "integer", default: 1 },
    });
    expect((types["internal.numbers"]!.params as Json).required).toBeUndefined();
  });

  it("moves a params schema's own definitions to the root and rewrites its references", () => {
    const tree: z.ZodType = z.lazy(() => z.object({ value: z.number(), children: z.array(tree) }));
    const base = {
      category: "prep",
      title: "T",
      description: "d",
      version: 2,
      internal: false,
    } as const;
    const runtime = {
      taskQueue: "cpu",
      timeoutMs: 1000,
      retries: 0,
      heartbeatMs: null,
      gpu: false,
    } as const;
    const ports = { inputs: [], outputs: [] };
    const s = buildPipelineJsonSchema({
      "test.tree": defineNode({
        ...base,
        ...ports,
        type: "test.tree",
        params: z.object({ root: tree }),
        runtime,
      }),
      "test.self": defineNode({ ...base, ...ports, type: "test.self", params: tree, runtime }),
    }) as Json;
    const text = JSON.stringify(s);
    const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).not.toBe("#");
      const target = ref
        .slice(2)
        .split("/")
        .map((t) => decodeURIComponent(t).replace(/~1/g, "/").replace(/~0/g, "~"))
        .reduce<unknown>((at, token) => (at as Json | undefined)?.[token], s);
      expect(target, ref).toBeTypeOf("object");
    }
    const types = s["x-nodeTypes"] as Record<string, Json>;
    expect(types["test.tree"]!["x-internal"]).toBeUndefined();
  });
});
