import { z } from "zod";
import { nodeDefinitions } from "../../nodes/index";
import type { NodeDefinition } from "../../nodes/types";
import { pipelineFileSchema } from "./schema";

export const PIPELINE_SCHEMA_ID = "https://flowforge.dev/schemas/pipeline-v1.json";
const DRAFT = "https://json-schema.org/draft/2020-12/schema";

type JsonObject = Record<string, unknown>;

/**
 * JSON Schema (draft 2020-12) of the pipeline file as a user writes it (`io: "input"`: fields with
 * defaults are optional). Node params are checked per node type by the validator, not by this
 * schema; for documentation, `x-nodeTypes` lists every catalog type with its ports and its params
 * as JSON Schema. Internal types are included and carry `"x-internal": true`.
 */
export function pipelineJsonSchema(): object {
  return buildPipelineJsonSchema(nodeDefinitions);
}

/** `pipelineJsonSchema` over any set of definitions (tests use their own). */
export function buildPipelineJsonSchema(definitions: Record<string, NodeDefinition>): object {
  const root = z.toJSONSchema(pipelineFileSchema, { io: "input" }) as JsonObject;
  const defs: JsonObject = { ...((root.$defs as JsonObject | undefined) ?? {}) };

  const nodeTypes: JsonObject = {};
  for (const type of Object.keys(definitions).sort()) {
    const def = definitions[type]!;
    const location = `#/x-nodeTypes/${pointerEscape(type)}/params`;
    const params = hoistDefs(
      z.toJSONSchema(def.params, { io: "input", unrepresentable: "any" }),
      `${type}.`,
      location,
      defs,
    );
    nodeTypes[type] = {
      type: def.type,
      category: def.category,
      title: def.title,
      description: def.description,
      version: def.version,
      ...(def.internal ? { "x-internal": true } : {}),
      inputs: def.inputs.map((p) => ({ ...p })),
      outputs: def.outputs.map((p) => ({ ...p })),
      params,
    };
  }

  const { $schema: _draft, $defs: _defs, ...rest } = root;
  return {
    $schema: DRAFT,
    $id: PIPELINE_SCHEMA_ID,
    ...rest,
    ...(Object.keys(defs).length ? { $defs: defs } : {}),
    "x-nodeTypes": nodeTypes,
  };
}

/**
 * A params schema generated on its own refers to itself as `#` and to its definitions as
 * `#/$defs/…`. Nested inside the pipeline schema, those would point at the root: move its `$defs`
 * into the root's under a prefix and rewrite the references.
 */
function hoistDefs(
  schema: JsonObject,
  prefix: string,
  location: string,
  rootDefs: JsonObject,
): JsonObject {
  const { $schema: _draft, $defs, ...body } = schema;
  const local = ($defs as JsonObject | undefined) ?? {};
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value as JsonObject).map(([k, v]) => {
        if (k === "$ref" && typeof v === "string") {
          if (v === "#") return [k, location];
          if (v.startsWith("#/$defs/")) {
            const name = decodeURIComponent(v.slice("#/$defs/".length));
            return [k, `#/$defs/${pointerEscape(prefix + unescapePointer(name))}`];
          }
        }
        return [k, rewrite(v)];
      }),
    );
  };
  for (const [name, sub] of Object.entries(local)) rootDefs[prefix + name] = rewrite(sub);
  return rewrite(body) as JsonObject;
}

/** JSON Pointer (RFC 6901) escaping of one reference token, made safe for a URI fragment. */
function pointerEscape(token: string): string {
  return encodeURIComponent(token.replace(/~/g, "~0").replace(/\//g, "~1"));
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}
