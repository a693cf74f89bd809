import { z } from "zod";
import { codeInputs, codeOutputs } from "./code-ports";
import type { NodeShape, PortDefinition } from "./types";

/**
 * Ports and params a code node declares in its own code, in comment lines both languages share:
 *
 *   // @input train: dataset          (add ? for an optional input: dataset?)
 *   // @output scored: dataset        (Python may also output: model)
 *   // @output scored: dataset(*, score: DOUBLE)   (its columns: the input's, and score)
 *   // @param threshold: number = 0.5 -- help text
 *   // @param method: "mean" | "median" = "mean"
 *
 * Param types: number, integer, string, boolean, string[] (columns), json, or string choices; a
 * trailing ? (json?) lets the param stay unset.
 * The declarations are read as text, never run: the canvas, the validator and the worker all
 * see the same ports without executing user code.
 */
export type CodeLanguage = "typescript" | "python";

export type DeclaredType =
  "number" | "integer" | "string" | "boolean" | "string[]" | "json" | { choices: string[] };

export interface DeclaredParam {
  name: string;
  type: DeclaredType;
  /** Declared with a trailing "?": may be left unset. */
  optional?: boolean;
  default?: unknown;
  help?: string;
  line: number;
}

export interface CodeDeclarations {
  inputs: PortDefinition[] | null;
  outputs: PortDefinition[] | null;
  params: DeclaredParam[] | null;
  errors: { line: number; message: string }[];
}

const DIRECTIVE = /^\s*(?:\/\/+|#+|\/?\*+)\s*@(input|output|param)\b(.*)$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_PORTS = 16;
const MAX_PARAMS = 50;

export function humanizeName(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/_+/g, " ")
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function parseType(text: string): DeclaredType | null {
  const t = text.trim();
  if (["number", "integer", "string", "boolean", "string[]", "json"].includes(t))
    return t as DeclaredType;
  const choices = t.split("|").map((c) => c.trim());
  if (choices.length && choices.every((c) => /^"[^"]*"$/.test(c) || /^'[^']*'$/.test(c)))
    return { choices: choices.map((c) => c.slice(1, -1)) };
  return null;
}

export function typeLabel(type: DeclaredType): string {
  return typeof type === "string" ? type : type.choices.map((c) => JSON.stringify(c)).join(" | ");
}

/** The zod schema of one declared param, meta included, so the inspector's form can draw it. */
export function declaredParamSchema(p: DeclaredParam): z.ZodType {
  const meta = { label: humanizeName(p.name), ...(p.help ? { help: p.help } : {}) };
  let base: z.ZodType;
  if (typeof p.type === "object") base = z.enum(p.type.choices as [string, ...string[]]);
  else if (p.type === "number") base = z.number();
  else if (p.type === "integer") base = z.number().int();
  else if (p.type === "string") base = z.string();
  else if (p.type === "boolean") base = z.boolean();
  else if (p.type === "string[]") base = z.array(z.string());
  else base = z.json();
  const withMeta = (s: z.ZodType) =>
    s.meta(
      p.type === "string[]"
        ? { ...meta, widget: "columns" }
        : p.type === "json"
          ? { ...meta, widget: "json" }
          : meta,
    );
  if (p.default !== undefined) return withMeta(base.default(p.default as never));
  return withMeta(p.optional ? base.optional() : base);
}

function splitDefault(rest: string): { type: string; value?: string; help?: string } {
  const [decl, ...help] = rest.split(/\s+--\s+/);
  const eq = decl!.indexOf("=");
  return {
    type: eq < 0 ? decl! : decl!.slice(0, eq),
    value: eq < 0 ? undefined : decl!.slice(eq + 1).trim(),
    help: help.length ? help.join(" -- ").trim() : undefined,
  };
}

const COLUMN = /^(?:"([^"]+)"|([A-Za-z_][\w]*)|(\*))\s*(?::\s*([A-Za-z][\w ]*(?:\(\d+(?:,\s*\d+)?\))?))?$/;

/** Splits `text` at `sep` where it is outside quotes and brackets. */
function splitOutside(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === "(") depth++;
    else if (!quoted && c === ")") depth--;
    else if (!quoted && depth === 0 && c === sep) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

/** `dataset(a, b) Label` → [kind, column list, label]; null when the kind has no list. */
function splitColumnList(rest: string): [string, string, string] | null {
  const open = /^(\w+\??)\s*\(/.exec(rest);
  if (!open) return null;
  let depth = 0;
  let quoted = false;
  for (let i = open[0].length - 1; i < rest.length; i++) {
    const c = rest[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === "(") depth++;
    else if (!quoted && c === ")" && --depth === 0)
      return [open[1]!, rest.slice(open[0].length, i), rest.slice(i + 1).trim()];
  }
  return null;
}

/** `a, "Body Mass (g)": DOUBLE, *`: names (quoted where they are not identifiers), optional types. */
function parseColumns(text: string): NonNullable<PortDefinition["columns"]> | string {
  const out: NonNullable<PortDefinition["columns"]> = [];
  for (const part of splitOutside(text, ",").map((p) => p.trim())) {
    const m = COLUMN.exec(part);
    if (!m) return `"${part}" is not a column; write name or name: TYPE (quote names with spaces)`;
    const name = m[1] ?? m[2] ?? "*";
    if (out.some((c) => c.name === name)) return `column "${name}" is declared twice`;
    out.push({ name, type: (m[4] ?? "").trim().toUpperCase() });
  }
  return out;
}

export function parseCodeDeclarations(code: string, language: CodeLanguage): CodeDeclarations {
  const inputs: PortDefinition[] = [];
  const outputs: PortDefinition[] = [];
  const params: DeclaredParam[] = [];
  const errors: { line: number; message: string }[] = [];
  let sawInput = false;
  let sawOutput = false;
  const names = new Map<string, number>();

  code.split("\n").forEach((text, index) => {
    const line = index + 1;
    const m = DIRECTIVE.exec(text);
    if (!m) return;
    const directive = m[1] as "input" | "output" | "param";
    const body = m[2]!.trim().replace(/\s*\*\/\s*$/, "");
    const fail = (message: string) => errors.push({ line, message });
    const colon = body.indexOf(":");
    const name = colon < 0 ? body.split(/\s/)[0]! : body.slice(0, colon).trim();
    if (colon < 0 || !NAME.test(name)) {
      const example =
        directive === "param" ? "@param threshold: number = 0.5" : `@${directive} train: dataset`;
      fail(
        `@${directive} needs a name (letters, digits, _) and a ${directive === "param" ? "type" : "kind"}, like "${example}"`,
      );
      return;
    }
    const key = `${directive === "param" ? "param" : "port"}:${directive === "output" ? "out" : directive === "input" ? "in" : "p"}:${name}`;
    if (names.has(key)) {
      fail(`${directive} "${name}" is declared twice (first on line ${names.get(key)})`);
      return;
    }
    names.set(key, line);
    const rest = body.slice(colon + 1).trim();

    if (directive === "param") {
      const { type: declared, value, help } = splitDefault(rest);
      const optional = declared.trim().endsWith("?");
      const typeText = optional ? declared.trim().slice(0, -1) : declared;
      const type = parseType(typeText);
      if (!type) {
        fail(
          `param "${name}": unknown type "${typeText.trim()}"; use number, integer, string, boolean, string[], json or choices like "a" | "b"`,
        );
        return;
      }
      const param: DeclaredParam = {
        name,
        type,
        line,
        ...(optional ? { optional } : {}),
        ...(help ? { help } : {}),
      };
      if (value !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          fail(`param "${name}": the default ${value} is not a JSON value (strings need "quotes")`);
          return;
        }
        const check = declaredParamSchema({ ...param }).safeParse(parsed);
        if (!check.success) {
          fail(`param "${name}": the default ${value} is not a ${typeLabel(type)}`);
          return;
        }
        param.default = parsed;
      }
      if (params.length >= MAX_PARAMS) {
        fail(`at most ${MAX_PARAMS} params`);
        return;
      }
      params.push(param);
      return;
    }

    // A dataset output may say its columns: dataset(a, b: DOUBLE) or dataset(*, c) where * is
    // the first input's columns; the canvas knows them before the code runs.
    const withColumns = splitColumnList(rest);
    const [kindText = "", ...label] = withColumns
      ? [withColumns[0], ...withColumns[2].split(/\s+/).filter(Boolean)]
      : rest.split(/\s+/);
    let columns: PortDefinition["columns"];
    if (withColumns) {
      if (directive !== "output") {
        fail(`input "${name}": columns are declared on outputs only`);
        return;
      }
      const parsed = parseColumns(withColumns[1]);
      if (typeof parsed === "string") {
        fail(`output "${name}": ${parsed}`);
        return;
      }
      columns = parsed;
    }
    const optional = kindText.endsWith("?");
    const kind = optional ? kindText.slice(0, -1) : kindText;
    const list = directive === "input" ? inputs : outputs;
    if (directive === "input") sawInput = true;
    else sawOutput = true;
    if (directive === "input" && kind !== "dataset") {
      fail(`input "${name}": code nodes take datasets; "${kind}" is not a dataset`);
      return;
    }
    if (directive === "output") {
      const allowed = language === "python" ? ["dataset", "model"] : ["dataset"];
      if (!allowed.includes(kind)) {
        fail(
          `output "${name}": a ${language === "python" ? "Python" : "TypeScript"} code node outputs ${allowed.join(" or ")}, not "${kind}"`,
        );
        return;
      }
      if (name === "metrics") {
        fail(`output "metrics" is always there (ctx.metric writes it); choose another name`);
        return;
      }
      if (optional) {
        fail(`output "${name}": outputs are never required; drop the "?"`);
        return;
      }
    }
    if (list.length >= MAX_PORTS) {
      fail(`at most ${MAX_PORTS} ${directive}s`);
      return;
    }
    if (columns && kind !== "dataset") {
      fail(`output "${name}": only a dataset has columns`);
      return;
    }
    list.push({
      name,
      kind: kind as PortDefinition["kind"],
      label: label.join(" ") || humanizeName(name),
      required: directive === "input" && !optional,
      ...(columns ? { columns } : {}),
    });
  });

  return {
    inputs: sawInput ? inputs : null,
    outputs: sawOutput ? outputs : null,
    params: params.length ? params : null,
    errors,
  };
}

/** The zod object of a code node's declared params: what ctx.params is checked and filled with. */
export function declaredParamsSchema(params: DeclaredParam[]) {
  return z.object(Object.fromEntries(params.map((p) => [p.name, declaredParamSchema(p)])));
}

const shapes = new Map<string, NodeShape>();

/**
 * A code node's shape from its code: declared ports replace the defaults per direction (the
 * metrics output always stays), declared params give ctx.params a schema. Cached by code: the
 * canvas asks on every render.
 */
export function codeShape(
  code: unknown,
  language: CodeLanguage,
  defaults: { inputs: PortDefinition[]; outputs: PortDefinition[] } = {
    inputs: codeInputs,
    outputs: codeOutputs,
  },
): NodeShape {
  const text = typeof code === "string" ? code : "";
  const key = `${language}\u0000${defaults.outputs.map((o) => o.name).join(",")}\u0000${text}`;
  const hit = shapes.get(key);
  if (hit) return hit;
  const d = parseCodeDeclarations(text, language);
  const metrics = codeOutputs.find((o) => o.kind === "metrics")!;
  const shape: NodeShape = {
    inputs: d.inputs ?? defaults.inputs,
    outputs: d.outputs ? [...d.outputs, metrics] : defaults.outputs,
    params: d.params ? declaredParamsSchema(d.params) : null,
    declared: d.params ?? [],
    errors: d.errors.map((e) => ({ param: "code", message: `line ${e.line}: ${e.message}` })),
  };
  if (shapes.size > 200) shapes.clear();
  shapes.set(key, shape);
  return shape;
}
