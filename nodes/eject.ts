import { z } from "zod";
import { humanizeName, type CodeLanguage } from "./code-declarations";
import type { NodeDefinition, PortDefinition } from "./types";

interface JsonField {
  type?: string | string[];
  enum?: unknown[];
  items?: { type?: string };
  default?: unknown;
  label?: string;
  help?: string;
}

/** A param's declared type, from the JSON Schema of its zod definition. */
function declaredType(f: JsonField): string {
  if (f.enum?.every((v) => typeof v === "string"))
    return f.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (f.type === "integer" || f.type === "number" || f.type === "string" || f.type === "boolean")
    return f.type;
  if (f.type === "array" && f.items?.type === "string") return "string[]";
  return "json";
}

const label = (p: PortDefinition) => (p.label === humanizeName(p.name) ? "" : ` ${p.label}`);

/** Why a node has no code form, or null when it can be ejected. */
export function ejectProblem(def: NodeDefinition): string | null {
  if (!def.eject)
    return `${def.title} works outside the code sandbox (${
      def.category === "prep"
        ? "it records its preprocessing for the models trained after it"
        : "it reads connections, uploads, the model registry or deployments"
    }), so it has no code form to eject`;
  return null;
}

/**
 * The declaration header of an ejected node: the built-in's ports and params, as a code node
 * declares them, so the ejected node keeps its connections and settings.
 */
export function ejectHeader(def: NodeDefinition, language: CodeLanguage): string {
  const c = language === "python" ? "#" : "//";
  const json = z.toJSONSchema(def.params, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, JsonField>;
    required?: string[];
  };
  const required = new Set(json.required ?? []);
  const lines = [
    `${c} Ejected from ${def.title} (${def.type} v${def.version}): edit freely.`,
    `${c} The lines below declare the node's ports and params; change them and the canvas follows.`,
    ...def.inputs.map((p) => `${c} @input ${p.name}: ${p.kind}${p.required ? "" : "?"}${label(p)}`),
    ...def.outputs
      .filter((p) => p.kind !== "metrics")
      .map((p) => `${c} @output ${p.name}: ${p.kind}${label(p)}`),
    ...Object.entries(json.properties ?? {}).map(([name, f]) => {
      const value = f.default === undefined ? "" : ` = ${JSON.stringify(f.default)}`;
      const same = f.label?.toLowerCase() === humanizeName(name).toLowerCase();
      const words = [same ? null : f.label, f.help].filter(Boolean);
      const help = words.length ? ` -- ${words.join(": ")}` : "";
      const optional = f.default === undefined && !required.has(name) ? "?" : "";
      return `${c} @param ${name}: ${declaredType(f)}${optional}${value}${help}`;
    }),
  ];
  return `${lines.join("\n")}\n`;
}

/** The code node an ejected built-in becomes: same ports, same param values, its code to edit. */
export function ejectedNode(
  def: NodeDefinition,
  params: Record<string, unknown>,
  body: string,
): { type: string; params: Record<string, unknown> } {
  const language = def.eject!.language;
  const code = `${ejectHeader(def, language)}\n${body.trimStart()}`;
  return {
    type: language === "python" ? "code.python" : "code.typescript",
    params: { code, params: structuredClone(params) },
  };
}
