import { describe, expect, it } from "vitest";
import { OutputCollector } from "./output";

describe("the output of sandboxed code", () => {
  it("keeps the last lines of both streams in order, without progress lines", () => {
    const progress: [number, number][] = [];
    const out = new OutputCollector({
      tailBytes: 1024,
      onProgress: (d, t) => progress.push([d, t]),
    });
    out.stdout(Buffer.from("first\nsec"));
    out.stderr(Buffer.from("__progress__ 1 3\nwarning\n"));
    out.stdout(Buffer.from("ond\n"));
    out.stderr(Buffer.from("__progre"));
    out.stderr(Buffer.from("ss__ 2 3\n"));
    expect(out.lines(10, 100)).toEqual(["first", "warning", "second"]);
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
    ]);
    expect(out.bytes).toBe(55);
  });

  it("a flood with or without newlines keeps a bounded tail", () => {
    const out = new OutputCollector({ tailBytes: 64 * 1024 });
    const chunk = Buffer.alloc(64 * 1024, "x");
    for (let i = 0; i < 3200; i++) out.stdout(chunk); // 200 MiB, one line
    expect(out.bytes).toBe(3200 * 64 * 1024);
    const [line] = out.lines(200, 2000);
    expect(line).toHaveLength(2001);
    const lines = new OutputCollector({ tailBytes: 64 * 1024 });
    for (let i = 0; i < 100_000; i++) lines.stderr(Buffer.from(`line ${i}\n`));
    const kept = lines.lines(200, 2000);
    expect(kept).toHaveLength(200);
    expect(kept.at(-1)).toBe("line 99999");
    expect(lines.stderrTail().length).toBeLessThanOrEqual(64 * 1024 + 16);
  });

  it("finds progress only at the start of a line, and cuts a multibyte character safely", () => {
    const progress: number[] = [];
    const out = new OutputCollector({ tailBytes: 1024, onProgress: (d) => progress.push(d) });
    out.stderr(Buffer.from("say __progress__ 5 9\n__progress__ 7 9\n"));
    const euro = Buffer.from("€\n");
    out.stdout(euro.subarray(0, 1));
    out.stdout(euro.subarray(1));
    expect(progress).toEqual([7]);
    expect(out.lines(10, 100)).toEqual(["say __progress__ 5 9", "€"]);
  });

  it("passes lines on as they complete, the first ones only, with the count of the rest", () => {
    const live: string[] = [];
    const out = new OutputCollector({
      tailBytes: 1 << 16,
      onLine: (l) => live.push(l),
      liveMax: 3,
      maxChars: 10,
    });
    out.stdout(Buffer.from("one\ntw"));
    expect(live).toEqual(["one"]);
    out.stderr(Buffer.from("__progress__ 1 2\n\nerr\r\n"));
    out.stdout(Buffer.from("o\n" + "x".repeat(25) + "\nfour\nfive"));
    expect(live).toEqual(["one", "err", "two"]);
    out.end();
    expect(out.seenLines).toBe(6);
    expect(out.liveLines).toBe(3);
    // The rest is at the end of `lines()`: what a caller logs after the live ones.
    expect(out.lines(10, 10).slice(-(out.seenLines - out.liveLines))).toEqual([
      "xxxxxxxxxx…",
      "four",
      "five",
    ]);
  });

  it("cuts a line that never ends instead of keeping it whole", () => {
    const live: string[] = [];
    const out = new OutputCollector({
      tailBytes: 1 << 10,
      onLine: (l) => live.push(l),
      maxChars: 5,
    });
    for (let i = 0; i < 1000; i++) out.stdout(Buffer.from("y".repeat(1000)));
    out.stdout(Buffer.from("\n"));
    expect(live).toEqual(["yyyyy…"]);
  });
});
