/**
 * The import graph between the project's top-level folders, and its cycles. `npm run lint` runs
 * it: a cycle means two folders depend on each other, so neither can change or be read alone.
 * usage: tsx scripts/layers.ts [--graph]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const IGNORED = new Set(["node_modules", ".next", ".data", ".git", "drizzle", "test-results"]);

/**
 * Folders and files that use the product from outside, never used by it: tests, benchmarks and
 * tools may import anything, so they are not layers.
 */
const CONSUMERS = ["tests/", "bench/", "scripts/"];
export const isProductFile = (file: string) =>
  !CONSUMERS.some((c) => file.startsWith(c)) &&
  !/\.test\.tsx?$/.test(file) &&
  !file.includes("/testing/");

/** Every TypeScript file under `root`, relative, with forward slashes. */
export function sourceFiles(root: string, dir = ""): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    if (IGNORED.has(name)) return [];
    const rel = dir ? `${dir}/${name}` : name;
    if (statSync(path.join(root, rel)).isDirectory()) return sourceFiles(root, rel);
    return /\.(ts|tsx|mts)$/.test(name) && !name.endsWith(".d.ts") ? [rel] : [];
  });
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s(?:[^'"]*?\sfrom\s)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** The project files a file imports (type-only imports too: they couple folders as much). */
export function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]!;
    if (spec.startsWith("@/")) found.push(path.posix.normalize(spec.slice(2)));
    else if (spec.startsWith("."))
      found.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
  }
  return found.filter((f) => !f.startsWith(".."));
}

/** A file's top-level folder; files at the root are their own unit. */
export const folderOf = (file: string) => file.split("/")[0]!.replace(/\.(ts|tsx|mts)$/, "");

export type Graph = Map<string, Map<string, string[]>>;

/** Folder → folder edges, each with an example import that makes it. */
export function folderGraph(root: string): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(root).filter(isProductFile)) {
    const from = folderOf(file);
    for (const target of importsOf(file, readFileSync(path.join(root, file), "utf8"))) {
      const to = folderOf(target);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      const examples = edges.get(to) ?? [];
      edges.set(to, examples);
      examples.push(`${file} → ${target}`);
    }
  }
  return graph;
}

/** The strongly connected groups of more than one folder (Tarjan): each is a cycle. */
export function cycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) out.push(group.sort());
    }
  };
  const nodes = new Set([...graph.keys(), ...[...graph.values()].flatMap((e) => [...e.keys()])]);
  for (const v of [...nodes].sort()) if (!index.has(v)) visit(v);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const graph = folderGraph(root);
  if (process.argv.includes("--graph"))
    for (const [from, edges] of [...graph].sort())
      console.log(`${from} → ${[...edges.keys()].sort().join(", ")}`);
  const found = cycles(graph);
  for (const group of found) {
    console.error(`import cycle between top-level folders: ${group.join(", ")}`);
    for (const from of group)
      for (const [to, examples] of graph.get(from) ?? [])
        if (group.includes(to))
          console.error(`  ${from} → ${to}: ${examples.slice(0, 3).join("; ")}`);
  }
  if (found.length) process.exit(1);
  console.log(`layers: ${graph.size} folders, no import cycle between them`);
}
