import { describe, expect, it } from "vitest";
import { getNodeDefinition } from "../../nodes/index";
import { describeIssues } from "./messages";
import { validatePipeline } from "./validate";

const doc = (nodes: unknown[], edges: unknown[] = []) => ({
  apiVersion: "flowforge.dev/v1",
  kind: "Pipeline",
  name: "t",
  nodes,
  edges,
});
/** The messages of a node's params, keyed by param path, from the node type's real schema. */
const messages = (type: string, params: Record<string, unknown>) =>
  Object.fromEntries(
    describeIssues(getNodeDefinition(type)!.params, params).map((i) => [i.path, i.message]),
  );
const zodWords =
  /Invalid (input|option|string|number)|expected \w+, received|Too (small|big)|>=|<=/;

describe("messages in the words of the form", () => {
  it("a missing value is required, named by its label", () => {
    // A trainer's label may be left to the Split's roles: not required at design time.
    expect(messages("train.gbdt", {})).toEqual({});
    expect(messages("ingest.upload", {})).toEqual({ upload: "File: required — upload a file" });
    expect(messages("deploy.endpoint", { endpoint: "" })).toEqual({
      endpoint: "Endpoint name: required",
    });
  });

  it("a wrong type says what the field takes", () => {
    expect(messages("train.gbdt", { label: 3, trees: "many", exclude: "id" })).toEqual({
      label: "Label column: must be text",
      trees: "Trees: must be a whole number from 1 to 10,000",
      exclude: "Exclude columns: must be a list",
    });
    expect(messages("prep.impute", { constant: true })).toEqual({
      constant: "Constant: must be text or a number",
    });
  });

  it("numbers too small, too big or not whole give the range", () => {
    expect(
      messages("train.gbdt", {
        label: "y",
        trees: 0,
        maxLeaves: 5000,
        learningRate: 0,
        minDataInLeaf: 2.5,
      }),
    ).toEqual({
      trees: "Trees: must be a whole number from 1 to 10,000",
      maxLeaves: "Leaves per tree: must be a whole number from 2 to 4,096",
      learningRate: "Learning rate: must be a number greater than 0 and at most 1",
      minDataInLeaf: "Min rows per leaf: must be a whole number of at least 1",
    });
    expect(messages("prep.split", { validation: 0.95, test: 0 })).toEqual({
      validation: "Validation share: must be a number from 0 to 0.9",
    });
  });

  it("an enum lists its choices", () => {
    expect(messages("train.gbdt", { label: "y", task: "clustering" })).toEqual({
      task: "Task: choose one of auto, classification, regression",
    });
  });

  it("a regex uses the schema's own words, a refine its message", () => {
    expect(messages("deploy.endpoint", { endpoint: "My Endpoint" })).toEqual({
      endpoint: "Endpoint name: lower-case letters, digits and dashes, up to 63",
    });
    expect(messages("prep.split", { method: "stratified" })).toEqual({
      column: "Column: this method needs a column",
    });
  });

  it("inside a list or a JSON field, names the item", () => {
    expect(messages("train.gbdt", { label: "y", exclude: ["id", ""] })).toEqual({
      "exclude.1": "Exclude columns (item 2): required",
    });
    expect(messages("prep.filter", { conditions: [{ column: "a", op: "like" }] })).toEqual({
      "conditions.0.op":
        "Conditions (item 1, op): choose one of =, !=, <, <=, >, >=, is null, is not null, contains, in",
    });
  });

  it("strings and lists over their limits", () => {
    const long = "x".repeat(201);
    expect(messages("prep.select", { rename: { a: long } })).toEqual({
      "rename.a": "Rename (a): must be at most 200 characters",
    });
    expect(
      messages("prep.filter", {
        conditions: Array.from({ length: 51 }, () => ({ column: "a", op: "is null" })),
      }),
    ).toEqual({ conditions: "Conditions: must have at most 50 items" });
  });

  it("the validator's messages name the node and the label, never zod's words", () => {
    const r = validatePipeline(
      doc([
        { id: "train", type: "train.gbdt", params: { trees: 0 } },
        { id: "deploy", type: "deploy.endpoint", params: { endpoint: "Bad Name" } },
      ]),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const invalid = r.errors.filter((e) => e.code === "invalid_param");
    expect(invalid.map((e) => [e.nodeId, e.param, e.message])).toEqual([
      ["train", "trees", 'Node "train" — Trees: must be a whole number from 1 to 10,000'],
      [
        "deploy",
        "endpoint",
        'Node "deploy" — Endpoint name: lower-case letters, digits and dashes, up to 63',
      ],
    ]);
    for (const e of r.errors) expect(e.message).not.toMatch(zodWords);
  });

  it("a code node's declared params use their declared names", () => {
    const code =
      "// @input train: dataset\n// @param threshold: number = 0.5\nexport async function run() {}\n";
    const r = validatePipeline(
      doc([{ id: "c", type: "code.typescript", params: { code, params: { threshold: "high" } } }]),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const e = r.errors.find((x) => x.code === "invalid_param")!;
    expect([e.param, e.message]).toEqual([
      "params.threshold",
      'Node "c" — Threshold: must be a number',
    ]);
  });

  it("the file format names fields by path: missing, wrong type, literal, unknown keys, regex", () => {
    const r = validatePipeline({
      apiVersion: "v0",
      kind: "Pipeline",
      nodes: [
        { id: "a b", type: "internal.numbers", colour: "red" },
        { id: "b", type: 3, runtime: { retries: 99 } },
      ],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.code, e.message])).toEqual([
      ["invalid_format", 'apiVersion: must be "flowforge.dev/v2"'],
      ["invalid_format", "name: required"],
      ["invalid_format", "nodes.0.id: ids use letters, digits, '-' and '_' only"],
      ["invalid_format", 'nodes.0: unknown field "colour"; remove it'],
      ["invalid_format", "nodes.1.type: must be text"],
      ["invalid_format", "nodes.1.runtime.retries: must be a whole number from 0 to 20"],
    ]);
  });
});
