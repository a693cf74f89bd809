import { StringDecoder } from "node:string_decoder";

/**
 * What sandboxed code writes to stdout and stderr, kept bounded: the worker counts every byte
 * (the caller stops the code at its output limit), keeps only the last `tailBytes` of both
 * streams (in the order they arrived), and finds `__progress__ done total` lines on stderr as
 * they pass. A flood, with or without newlines, never becomes one big string in the worker.
 */

const STDOUT = 1;
const STDERR = 2;
type Stream = typeof STDOUT | typeof STDERR;

const MARK = Buffer.from("__progress__ ");
/** A progress line is short: the mark and two numbers. */
const PROGRESS_MAX = 64;
const PROGRESS = /^__progress__ (\d+) (\d+)\r?$/;

export class OutputCollector {
  /** Bytes seen on both streams. */
  bytes = 0;
  private ring: { stream: Stream; buf: Buffer }[] = [];
  private ringBytes = 0;
  /** The tail of the last stderr chunk, in case a progress line continues in the next one. */
  private carry = Buffer.alloc(0);
  private carryAtLineStart = true;
  /** Whether older output was dropped from the ring (its first line may be cut). */
  private dropped = false;

  /** Lines of both streams seen so far (not progress or empty ones), and how many went out live. */
  seenLines = 0;
  liveLines = 0;
  private live = {
    [STDOUT]: { decoder: new StringDecoder("utf8"), partial: "" },
    [STDERR]: { decoder: new StringDecoder("utf8"), partial: "" },
  };

  constructor(
    private readonly options: {
      tailBytes: number;
      onProgress?: (done: number, total: number) => void;
      /**
       * Each line as it is completed, while the code runs (the step's logs stream): at most
       * `liveMax` of them, each cut at `maxChars`; `lines()` has the rest at the end.
       */
      onLine?: (line: string) => void;
      liveMax?: number;
      maxChars?: number;
    },
  ) {}

  stdout(chunk: Buffer): void {
    this.push(STDOUT, chunk);
    if (this.options.onLine) this.scanLines(STDOUT, chunk);
  }

  stderr(chunk: Buffer): void {
    this.push(STDERR, chunk);
    if (this.options.onProgress) this.scanProgress(chunk);
    if (this.options.onLine) this.scanLines(STDERR, chunk);
  }

  /** The last partial lines, once the code has exited. */
  end(): void {
    if (!this.options.onLine) return;
    for (const stream of [STDOUT, STDERR] as const) {
      const s = this.live[stream];
      this.emitLive(s.partial + s.decoder.end());
      s.partial = "";
    }
  }

  private scanLines(stream: Stream, chunk: Buffer) {
    const s = this.live[stream];
    const max = this.options.maxChars ?? 2000;
    const pieces = (s.partial + s.decoder.write(chunk)).split("\n");
    s.partial = pieces.pop()!;
    // A line without end is cut, not kept whole: a flood without newlines stays small here too.
    if (s.partial.length > max * 4) s.partial = s.partial.slice(0, max + 1);
    for (const piece of pieces) this.emitLive(piece);
  }

  private emitLive(raw: string) {
    const line = raw.replace(/\r$/, "");
    if (!line || line.startsWith("__progress__")) return;
    this.seenLines++;
    if (this.liveLines >= (this.options.liveMax ?? 200)) return;
    this.liveLines++;
    const max = this.options.maxChars ?? 2000;
    this.options.onLine!(line.length > max ? `${line.slice(0, max)}…` : line);
  }

  private push(stream: Stream, chunk: Buffer) {
    this.bytes += chunk.length;
    const max = this.options.tailBytes;
    const buf = chunk.length > max ? chunk.subarray(chunk.length - max) : chunk;
    if (buf !== chunk) this.dropped = true;
    // A copy: the chunk's memory may be a slice of a larger pooled buffer.
    this.ring.push({ stream, buf: Buffer.from(buf) });
    this.ringBytes += buf.length;
    while (this.ring.length > 1 && this.ringBytes - this.ring[0]!.buf.length >= max) {
      this.ringBytes -= this.ring.shift()!.buf.length;
      this.dropped = true;
    }
  }

  private scanProgress(chunk: Buffer) {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const startsLine = (i: number) => (i === 0 ? this.carryAtLineStart : buf[i - 1] === 10);
    let from = 0;
    for (;;) {
      const i = buf.indexOf(MARK, from);
      if (i === -1) break;
      const end = buf.indexOf(10, i);
      if (end === -1) {
        if (buf.length - i <= PROGRESS_MAX) {
          // The line goes on in the next chunk.
          this.carryAtLineStart = startsLine(i);
          this.carry = Buffer.from(buf.subarray(i));
          return;
        }
        from = i + 1;
        continue;
      }
      if (startsLine(i) && end - i <= PROGRESS_MAX) {
        const m = PROGRESS.exec(buf.toString("latin1", i, end));
        if (m) this.options.onProgress!(Number(m[1]), Number(m[2]));
      }
      from = end + 1;
    }
    // Keep what could be the start of a mark cut by the chunk's end.
    const keepFrom = Math.max(from, buf.length - (MARK.length - 1));
    this.carryAtLineStart = startsLine(keepFrom);
    this.carry = Buffer.from(buf.subarray(keepFrom));
  }

  /**
   * The last `maxLines` lines of both streams, in order, without progress lines and empty lines,
   * each cut at `maxChars` characters.
   */
  lines(maxLines: number, maxChars: number): string[] {
    const decoders = { [STDOUT]: new StringDecoder("utf8"), [STDERR]: new StringDecoder("utf8") };
    const partial = { [STDOUT]: "", [STDERR]: "" };
    // After a drop, each stream's first line in the ring may be the end of a longer one.
    const skipFirst = { [STDOUT]: this.dropped, [STDERR]: this.dropped };
    const out: string[] = [];
    const emit = (line: string) => {
      if (!line || line.startsWith("__progress__")) return;
      out.push(line.length > maxChars ? `${line.slice(0, maxChars)}…` : line);
      if (out.length > maxLines * 2) out.splice(0, out.length - maxLines);
    };
    for (const { stream, buf } of this.ring) {
      const pieces = (partial[stream] + decoders[stream].write(buf)).split("\n");
      partial[stream] = pieces.pop()!;
      for (const piece of pieces) {
        if (skipFirst[stream]) {
          skipFirst[stream] = false;
          continue;
        }
        emit(piece.replace(/\r$/, ""));
      }
      if (partial[stream].length > maxChars * 4)
        partial[stream] = partial[stream].slice(0, maxChars + 1);
    }
    for (const stream of [STDOUT, STDERR] as const)
      emit((partial[stream] + decoders[stream].end()).replace(/\r$/, ""));
    return out.slice(-maxLines);
  }

  /** The last bytes of stderr that are still kept, as text. */
  stderrTail(): string {
    return Buffer.concat(this.ring.filter((c) => c.stream === STDERR).map((c) => c.buf)).toString(
      "utf8",
    );
  }
}
