import { copyFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { cycles, folderGraph, type Graph } from "./layers";

const root = path.resolve(import.meta.dirname, "..");

/**
 * Each fixture breaks one layer rule: it is copied to where the rule applies, linted with the
 * project's config, and must fail with the rule's message.
 */
const fixtures: { fixture: string; at: string; message: RegExp; rename?: string }[] = [
  { fixture: "lib-imports-nodes.ts", at: "lib/data", message: /lib\/ .* is the bottom layer/ },
  { fixture: "lib-imports-server.ts", at: "lib/ml", message: /lib\/ .* is the bottom layer/ },
  {
    fixture: "activity-imports-db.ts",
    at: "nodes/prep-select",
    message: /only through the step context/,
  },
  {
    fixture: "activity-imports-services.ts",
    at: "nodes/sdk",
    message: /only through the step context/,
  },
  {
    fixture: "definition-imports-activity.ts",
    at: "nodes/prep-select",
    rename: "node.ts",
    message: /Node implementations .* are server-side/,
  },
  {
    fixture: "definition-imports-fs.ts",
    at: "nodes/prep-select",
    rename: "node.ts",
    message: /no Node built-ins/,
  },
  { fixture: "common-imports-server.ts", at: "common/pipeline", message: /common\/ is shared/ },
  {
    fixture: "component-imports-server.tsx",
    at: "components/canvas",
    message: /never contains server code/,
  },
  {
    fixture: "component-imports-activity.tsx",
    at: "components/canvas",
    message: /are server-side/,
  },
];

describe("layers", () => {
  it("the folder graph has no cycle", () => {
    expect(cycles(folderGraph(root))).toEqual([]);
  });

  it("cycles() finds a cycle when there is one", () => {
    const graph: Graph = new Map([
      ["a", new Map([["b", []]])],
      ["b", new Map([["c", []]])],
      ["c", new Map([["a", []]])],
      ["d", new Map([["a", []]])],
    ]);
    expect(cycles(graph)).toEqual([["a", "b", "c"]]);
  });

  it("lint fails on each forbidden import", async () => {
    // Swapping a real node.ts for a fixture would race other tests: the fixtures of definition
    // files are linted under a name the definition globs match (nodes/*/node.ts) in a new folder.
    const placed = fixtures.map((f, i) => {
      const ext = path.extname(f.fixture);
      const dir = f.rename ? `nodes/zz-layer-fixture-${i}` : f.at;
      const name = f.rename ?? `zz-layer-fixture-${i}${ext}`;
      return {
        ...f,
        file: path.join(root, dir, name),
        dir: f.rename ? path.join(root, dir) : undefined,
      };
    });
    try {
      for (const f of placed) {
        if (f.dir) await mkdir(f.dir, { recursive: true });
        await copyFile(path.join(root, "scripts/layer-fixtures", f.fixture), f.file);
      }
      const eslint = new ESLint({ cwd: root });
      const results = await eslint.lintFiles(placed.map((f) => f.file));
      for (const f of placed) {
        const result = results.find((r) => r.filePath === f.file)!;
        const messages = result.messages
          .filter((m) => m.ruleId === "@typescript-eslint/no-restricted-imports")
          .map((m) => m.message);
        expect(messages.join("\n"), f.fixture).toMatch(f.message);
      }
    } finally {
      for (const f of placed) await rm(f.dir ?? f.file, { recursive: true, force: true });
    }
  }, 300_000);
});
