import { readFileSync, readdirSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCodeDeclarations } from "../../nodes/code-declarations";
import { compilePipeline } from "../../server/compiler/compile";
import { PipelineInvalidError } from "../../lib/errors";
import { parsePipelineText, PipelineFileError } from "./parse";
import { validatePipeline } from "./validate";

const examples = readdirSync("examples")
  .filter((f) => f.endsWith(".pipeline.json"))
  .map((f) => JSON.parse(readFileSync(`examples/${f}`, "utf8")) as Record<string, unknown>);

/** Either a valid pipeline that compiles, or errors that each say what is wrong. */
function checkOutcome(doc: unknown) {
  const result = validatePipeline(doc);
  if (result.ok) {
    expect(() => compilePipeline(doc)).not.toThrow();
    return;
  }
  expect(result.errors.length).toBeGreaterThan(0);
  for (const e of result.errors) {
    expect(typeof e.code).toBe("string");
    expect(e.message.length).toBeGreaterThan(5);
  }
  expect(() => compilePipeline(doc)).toThrow(PipelineInvalidError);
}

/** A path into a JSON value, and a replacement for what is there. */
function mutate(doc: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  if (doc === null || typeof doc !== "object") return doc;
  const copy: Record<string | number, unknown> | unknown[] = Array.isArray(doc)
    ? [...(doc as unknown[])]
    : { ...(doc as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return copy;
  const key = keys[Math.abs(Number(path[0]) || 0) % keys.length]!;
  (copy as Record<string, unknown>)[key] = mutate(
    (copy as Record<string, unknown>)[key],
    path.slice(1),
    value,
  );
  return copy;
}

const anyJson = fc.jsonValue({ maxDepth: 4 });

describe("fuzzing the validator", () => {
  it("random JSON is refused with errors, never a crash", () => {
    fc.assert(fc.property(anyJson, checkOutcome), { numRuns: 300 });
  });

  it("mutated example pipelines are valid or refused with errors that name the problem", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...examples),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        fc.oneof(
          anyJson,
          fc.constant(undefined),
          fc.constant("code.python"),
          fc.constant("dataset"),
          fc.string(),
        ),
        (doc, path, value) => checkOutcome(mutate(doc, path, value)),
      ),
      { numRuns: 500 },
    );
  });

  it("text that is not a pipeline file is refused with its line, never a crash", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constantFrom(...examples).map((d) => JSON.stringify(d, null, 1)),
        ),
        fc.nat(),
        fc.string({ maxLength: 5 }),
        (text, at, insert) => {
          const cut = at % (text.length + 1);
          const mangled = text.slice(0, cut) + insert + text.slice(cut + insert.length);
          let parsed: unknown;
          try {
            parsed = parsePipelineText(mangled, "pipeline.yaml");
          } catch (err) {
            expect(err).toBeInstanceOf(PipelineFileError);
            expect((err as Error).message).toMatch(/^pipeline\.yaml: /);
            return;
          }
          checkOutcome(parsed);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a YAML alias to no anchor is a file error (found by the fuzzer)", () => {
    expect(() => parsePipelineText("*!", "p.yaml")).toThrow(
      /^p\.yaml: not valid YAML: Unresolved alias/,
    );
  });

  it("any text as code declarations gives ports, params or errors with a line", () => {
    const line = fc.oneof(
      fc.string(),
      fc
        .tuple(
          fc.constantFrom("//", "#", " *", "/*"),
          fc.constantFrom("@input", "@output", "@param"),
          fc.string({ maxLength: 12 }),
          fc.constantFrom(":", " ", ""),
          fc.string({ maxLength: 20 }),
        )
        .map((parts) => parts.join(" ")),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 12 }),
        fc.constantFrom("typescript", "python"),
        (lines, lang) => {
          const d = parseCodeDeclarations(lines.join("\n"), lang);
          for (const e of d.errors) {
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.line).toBeLessThanOrEqual(lines.length);
            expect(e.message.length).toBeGreaterThan(5);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
