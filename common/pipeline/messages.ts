import { z } from "zod";

/**
 * Validation messages in the words of the form: a param is named by its label (`.meta({ label })`)
 * and what it expects is said in plain words ("Trees: must be a whole number from 1 to 10,000"),
 * never in the schema's terms ("Invalid input: expected int, received number").
 * Pure code, shared by the canvas, the API and the CLI.
 */

/** The part of JSON Schema (as `z.toJSONSchema` writes it, meta included) the wording reads. */
interface FieldSchema {
  type?: string | string[];
  label?: string;
  widget?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  properties?: Record<string, FieldSchema>;
  additionalProperties?: FieldSchema | boolean;
  items?: FieldSchema;
  anyOf?: FieldSchema[];
  oneOf?: FieldSchema[];
  $ref?: string;
  $defs?: Record<string, FieldSchema>;
}

export interface DescribedIssue {
  /** Dotted path of the faulty value, as zod reports it ("" for the value as a whole). */
  path: string;
  /** The field as the form names it: "Trees", "Exclude columns (item 2)". */
  field: string;
  /** What is wrong, in plain words: "must be a whole number from 1 to 10,000". */
  text: string;
  /** `field: text`, or `text` alone for the value as a whole. */
  message: string;
}

const jsonSchemas = new WeakMap<object, FieldSchema>();

function jsonSchemaOf(schema: z.ZodType): FieldSchema {
  let json = jsonSchemas.get(schema);
  if (!json) {
    try {
      json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as FieldSchema;
    } catch {
      json = {};
    }
    jsonSchemas.set(schema, json);
  }
  return json;
}

type PathKey = PropertyKey;

function resolve(root: FieldSchema, s: FieldSchema | undefined): FieldSchema | undefined {
  if (s?.$ref?.startsWith("#/$defs/")) return root.$defs?.[s.$ref.slice("#/$defs/".length)];
  return s;
}

/** The schema of the value one step down `key`, looking through unions. */
function child(
  root: FieldSchema,
  s: FieldSchema | undefined,
  key: PathKey,
): FieldSchema | undefined {
  s = resolve(root, s);
  if (!s) return undefined;
  const direct =
    typeof key === "number"
      ? s.items
      : (s.properties?.[String(key)] ??
        (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined));
  if (direct) return resolve(root, direct);
  for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) {
    const found = child(root, branch, key);
    if (found) return found;
  }
  return undefined;
}

function valueAt(value: unknown, path: readonly PathKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key as string];
  }
  return v;
}

const humanize = (key: string) =>
  key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());

const num = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 6 });
/** zod's `.int()` writes the safe-integer range as bounds: they are no limit a person set. */
const bound = (n: number | undefined) =>
  n !== undefined && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : undefined;

/** "a whole number from 1 to 10,000", "a number greater than 0 and at most 1". */
function numberWords(s: FieldSchema): string {
  const whole = s.type === "integer";
  const noun = whole ? "a whole number" : "a number";
  const min = bound(s.minimum);
  const max = bound(s.maximum);
  const xmin = bound(s.exclusiveMinimum);
  const xmax = bound(s.exclusiveMaximum);
  if (min !== undefined && max !== undefined) return `${noun} from ${num(min)} to ${num(max)}`;
  const low =
    min !== undefined
      ? `of at least ${num(min)}`
      : xmin !== undefined
        ? `greater than ${num(xmin)}`
        : undefined;
  const high =
    max !== undefined
      ? `at most ${num(max)}`
      : xmax !== undefined
        ? `less than ${num(xmax)}`
        : undefined;
  if (low && high) return `${noun} ${low} and ${high}`;
  if (low ?? high) return `${noun} ${low ?? high}`;
  return noun;
}

const typeWords: Record<string, string> = {
  string: "text",
  number: "a number",
  integer: "a whole number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a set of named values",
  null: "empty",
};

/** What the field takes, in words: "a whole number from 1 to 10,000", "text or a number". */
function expectation(root: FieldSchema, s: FieldSchema | undefined, fallback?: string): string {
  s = resolve(root, s);
  if (s?.enum) return `one of ${s.enum.map((v) => String(v)).join(", ")}`;
  if (s?.const !== undefined) return JSON.stringify(s.const);
  const types = Array.isArray(s?.type) ? s.type : s?.type ? [s.type] : [];
  if (types.length === 1 && (types[0] === "number" || types[0] === "integer"))
    return numberWords(s!);
  if (types.length > 0) return types.map((t) => typeWords[t] ?? t).join(" or ");
  const branches = [...(s?.anyOf ?? []), ...(s?.oneOf ?? [])];
  if (branches.length)
    return [...new Set(branches.map((b) => expectation(root, b)).filter(Boolean))].join(" or ");
  return fallback ? (typeWords[fallback] ?? fallback) : "";
}

function isNumberSchema(s: FieldSchema | undefined) {
  return s?.type === "number" || s?.type === "integer";
}

const formatWords: Record<string, string> = {
  email: "an email address",
  url: "a web address (https://…)",
  uuid: "an id like 123e4567-e89b-12d3-a456-426614174000",
  datetime: "a date and time like 2024-01-31T12:00:00Z",
  date: "a date like 2024-01-31",
  time: "a time like 12:00:00",
  ipv4: "an IPv4 address",
  ipv6: "an IPv6 address",
};

/** zod's own messages start like this; a schema's custom message (already plain words) does not. */
const defaultMessage = /^(Invalid|Too (small|big)|Unrecognized)\b/;

function plural(n: number, one: string, many = `${one}s`) {
  return `${num(n)} ${n === 1 ? one : many}`;
}

function issueText(
  issue: z.core.$ZodIssue,
  root: FieldSchema,
  field: FieldSchema | undefined,
  value: unknown,
): string {
  const custom = issue.message && !defaultMessage.test(issue.message) ? issue.message : null;
  const missing = value === undefined || value === null || value === "";
  const required = field?.widget === "upload" ? "required — upload a file" : "required";
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined || value === null) return required;
      if (isNumberSchema(field) || issue.expected === "int" || issue.expected === "number")
        return `must be ${field && isNumberSchema(field) ? numberWords(field) : expectation(root, field, issue.expected)}`;
      return `must be ${expectation(root, field, issue.expected)}`;
    case "too_small":
    case "too_big": {
      if (custom) return custom;
      const small = issue.code === "too_small";
      const limit = Number(issue.code === "too_small" ? issue.minimum : issue.maximum);
      if (issue.origin === "string") {
        if (small && limit <= 1) return "required";
        return `must be ${small ? "at least" : "at most"} ${plural(limit, "character")}`;
      }
      if (issue.origin === "array" || issue.origin === "set") {
        if (small && limit <= 1) return "choose at least one";
        return `must have ${small ? "at least" : "at most"} ${plural(limit, "item")}`;
      }
      if (issue.origin === "number" || issue.origin === "int" || isNumberSchema(field))
        return `must be ${field && isNumberSchema(field) ? numberWords(field) : `${small ? "at least" : "at most"} ${num(limit)}`}`;
      return `must be ${small ? "at least" : "at most"} ${num(limit)}`;
    }
    case "not_multiple_of":
      return custom ?? `must be a multiple of ${num(Number(issue.divisor))}`;
    case "invalid_format":
      if (missing) return "required";
      if (custom) return custom;
      if (issue.format === "regex") return "is not in the expected form";
      return `must be ${formatWords[issue.format] ?? `a valid ${issue.format}`}`;
    case "invalid_value":
      if (value === undefined) return "required";
      if (custom) return custom;
      if (issue.values.length === 1) return `must be "${String(issue.values[0])}"`;
      return `choose one of ${issue.values.map((v) => String(v)).join(", ")}`;
    case "unrecognized_keys":
      return `unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => `"${k}"`).join(", ")}; remove ${issue.keys.length === 1 ? "it" : "them"}`;
    case "invalid_union": {
      if (value === undefined) return "required";
      const words = expectation(root, field);
      return words ? `must be ${words}` : "is not in a form this field takes";
    }
    case "invalid_key":
      return "has a name that is not allowed";
    case "invalid_element":
      return "has a value that is not allowed";
    default:
      return custom ?? (missing ? "required" : "is not valid");
  }
}

/** "Exclude columns (item 2)", "Conditions (item 1, column)": the label, then where inside it. */
function fieldName(root: FieldSchema, path: readonly PathKey[], labels: boolean): string {
  if (!labels) return path.map(String).join(".");
  if (path.length === 0) return "";
  const [first, ...rest] = path;
  let s = child(root, root, first!);
  const top = s?.label ?? humanize(String(first));
  const inner: string[] = [];
  for (const key of rest) {
    inner.push(
      typeof key === "number" ? `item ${key + 1}` : (child(root, s, key)?.label ?? String(key)),
    );
    s = child(root, s, key);
  }
  return inner.length ? `${top} (${inner.join(", ")})` : top;
}

/**
 * Every problem of `value` against `schema`, worded for a person. With `labels` (node params),
 * fields are named by their form label; without (the file format), by their dotted path.
 */
export function describeIssues(
  schema: z.ZodType,
  value: unknown,
  options: { labels?: boolean } = {},
): DescribedIssue[] {
  const parsed = schema.safeParse(value);
  if (parsed.success) return [];
  return describeError(schema, value, parsed.error, options);
}

export function describeError(
  schema: z.ZodType,
  value: unknown,
  error: z.ZodError,
  { labels = true }: { labels?: boolean } = {},
): DescribedIssue[] {
  const root = jsonSchemaOf(schema);
  return error.issues.map((issue) => {
    let s: FieldSchema | undefined = root;
    for (const key of issue.path) s = child(root, s, key);
    const text = issueText(issue, root, s, valueAt(value, issue.path));
    const field = fieldName(root, issue.path, labels);
    return {
      path: issue.path.map(String).join("."),
      field,
      text,
      message: field ? `${field}: ${text}` : capitalize(text),
    };
  });
}

const capitalize = (s: string) => s.replace(/^./, (c) => c.toUpperCase());
