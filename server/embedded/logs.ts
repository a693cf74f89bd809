import type { Readable } from "node:stream";
import readline from "node:readline";

const colours: Record<string, number> = {
  postgres: 34,
  temporal: 35,
  worker: 33,
  web: 36,
  build: 32,
  stack: 37,
};

export function prefix(source: string): string {
  const tag = `[${source}]`.padEnd(11);
  return process.stdout.isTTY ? `\x1b[${colours[source] ?? 37}m${tag}\x1b[0m` : tag;
}

export function logLine(source: string, line: string): void {
  process.stdout.write(`${prefix(source)} ${line}\n`);
}

export function pipeLines(stream: Readable, source: string): void {
  readline.createInterface({ input: stream }).on("line", (line) => logLine(source, line));
}
