import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Readable, Transform, pipeline as pipelineCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ArtifactCorruptError, ArtifactStoreFullError } from "../../lib/errors";

/** What `putStream` accepts: a Node stream or any async iterable of bytes. */
export type ByteSource = NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

export interface StoredBlob {
  hash: string;
  sizeBytes: number;
}

const HASH = /^[0-9a-f]{64}$/;

/** Throws (synchronously, before any I/O) unless `hash` is 64 lowercase hex digits. */
export function assertHash(hash: string): void {
  if (typeof hash !== "string" || !HASH.test(hash))
    throw new Error(`Invalid artifact hash: ${JSON.stringify(hash)}`);
}

/** `err` as ArtifactStoreFullError when it is a full disk or an exhausted quota, else unchanged. */
export function storeFull(err: unknown, store: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT"
    ? new ArtifactStoreFullError(store, code, err)
    : err;
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const asBytes = (chunk: unknown): Uint8Array =>
  chunk instanceof Uint8Array ? chunk : Buffer.from(chunk as string);

/**
 * A pass-through that hashes and counts what flows through it; `result()` is valid once the
 * stream has ended.
 */
export function hashingTap(): { stream: Transform; result(): StoredBlob } {
  const hasher = createHash("sha256");
  let sizeBytes = 0;
  let hash: string | undefined;
  const stream = new Transform({
    transform(chunk, _encoding, done) {
      const bytes = asBytes(chunk);
      hasher.update(bytes);
      sizeBytes += bytes.byteLength;
      done(null, bytes);
    },
    flush(done) {
      hash = hasher.digest("hex");
      done();
    },
  });
  return {
    stream,
    result() {
      if (hash === undefined) throw new Error("the stream has not ended yet");
      return { hash, sizeBytes };
    },
  };
}

/** A pass-through that fails at its end, with ArtifactCorruptError, unless the bytes hash to `hash`. */
export function verifyingTap(hash: string, store: string): Transform {
  const hasher = createHash("sha256");
  return new Transform({
    transform(chunk, _encoding, done) {
      const bytes = asBytes(chunk);
      hasher.update(bytes);
      done(null, bytes);
    },
    flush(done) {
      const actual = hasher.digest("hex");
      done(actual === hash ? null : new ArtifactCorruptError(hash, store, actual));
    },
  });
}

/**
 * `source` piped into `tap`, returned as one readable: an error in the source destroys the tap
 * with that error, and destroying the tap (a reader giving up) destroys the source.
 */
export function through(source: ByteSource | Readable, tap: Transform): Transform {
  const readable =
    source instanceof Readable ? source : Readable.from(source as AsyncIterable<Uint8Array>);
  // The callback only keeps the error from being unhandled; the tap carries it to its reader.
  return pipelineCallback(readable, tap, () => undefined);
}

/** Streams `source` to `file`; the file is removed if anything fails (including verification). */
export async function streamToFile(source: NodeJS.ReadableStream, file: string): Promise<void> {
  try {
    await pipeline(source, createWriteStream(file));
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
}

export async function readAll(source: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) {
    const bytes = asBytes(chunk);
    chunks.push(
      Buffer.isBuffer(bytes)
        ? bytes
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    );
  }
  return Buffer.concat(chunks);
}
