import { createWriteStream } from "node:fs";
import { mkdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UploadError } from "../../lib/errors";
import type { ArtifactStore } from "../artifacts/store";
import type { Db } from "../db/client";
import { grantArtifacts } from "../auth/access";
import { artifacts } from "../db/schema";
import { env } from "../../lib/env";

/**
 * Resumable, chunked uploads: create (declaring name and size), append chunks at the offset the
 * server reports, complete (the file is hashed into the artifact store). Partial files live under
 * <DATA_DIR>/uploads until completed or abandoned; nothing is ever held whole in memory.
 */
interface UploadMeta {
  filename: string;
  size: number;
  /** Only the workspace that began an upload may continue, read or complete it. */
  workspaceId: string;
}

const ID = /^[0-9a-f-]{36}$/;
const dir = () => path.join(env().dataDir, "uploads");
const files = (id: string) => {
  if (!ID.test(id)) throw new UploadError(`Invalid upload id "${id}"`);
  return { meta: path.join(dir(), `${id}.json`), part: path.join(dir(), `${id}.part`) };
};

export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const clean = base.replace(/[^\p{L}\p{N} ._()-]/gu, "_").slice(0, 200);
  if (!clean || clean === "." || clean === "..")
    throw new UploadError(`Invalid file name "${name}"`);
  return clean;
}

export async function createUpload(input: { filename: string; size: number; workspaceId: string }) {
  const max = env().UPLOAD_MAX_BYTES;
  if (!Number.isInteger(input.size) || input.size <= 0)
    throw new UploadError(`${input.filename}: the file is empty`);
  if (input.size > max)
    throw new UploadError(
      `${input.filename} is ${input.size} bytes; the limit is ${max} (UPLOAD_MAX_BYTES)`,
    );
  const id = crypto.randomUUID();
  await mkdir(dir(), { recursive: true });
  const f = files(id);
  await writeFile(
    f.meta,
    JSON.stringify({
      filename: safeFilename(input.filename),
      size: input.size,
      workspaceId: input.workspaceId,
    } satisfies UploadMeta),
  );
  await writeFile(f.part, "");
  return { id, offset: 0 };
}

async function load(id: string, workspaceId: string) {
  const f = files(id);
  const missing = () =>
    new UploadError(`No upload ${id} (it was completed, abandoned, or never created)`);
  const meta = JSON.parse(
    await readFile(f.meta, "utf8").catch(() => {
      throw missing();
    }),
  ) as UploadMeta;
  if (meta.workspaceId !== workspaceId) throw missing();
  return { f, meta, offset: (await stat(f.part)).size };
}

export async function uploadStatus(id: string, workspaceId: string) {
  const { meta, offset } = await load(id, workspaceId);
  return { id, filename: meta.filename, size: meta.size, offset };
}

/** Appends one chunk; `offset` must be where the server's copy ends, so a retried chunk is refused, not doubled. */
export async function appendChunk(
  id: string,
  offset: number,
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  workspaceId: string,
) {
  const { f, meta, offset: current } = await load(id, workspaceId);
  if (offset !== current)
    throw new UploadError(
      `Upload ${id}: chunk at offset ${offset}, but the server has ${current} bytes; resume from ${current}`,
    );
  let written = 0;
  const limit = meta.size - current;
  const source =
    body instanceof ReadableStream
      ? Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>)
      : Readable.from(body);
  const guard = async function* (chunks: AsyncIterable<Uint8Array>) {
    for await (const chunk of chunks) {
      written += chunk.byteLength;
      if (written > limit)
        throw new UploadError(`Upload ${id}: more bytes than the declared ${meta.size}`);
      yield chunk;
    }
  };
  try {
    await pipeline(source, guard, createWriteStream(f.part, { flags: "a" }));
  } catch (err) {
    // A failed chunk is cut back off, so the client can resend it from the same offset.
    await truncate(f.part, current);
    throw err;
  }
  return { id, offset: current + written };
}

export async function completeUpload(
  db: Db,
  store: ArtifactStore,
  id: string,
  workspaceId: string,
) {
  const { f, meta, offset } = await load(id, workspaceId);
  if (offset !== meta.size)
    throw new UploadError(`Upload ${id}: ${offset} of ${meta.size} bytes received`);
  const blob = await store.putFile(f.part);
  await db
    .insert(artifacts)
    .values({
      hash: blob.hash,
      kind: "upload",
      sizeBytes: blob.sizeBytes,
      uri: store.uri(blob.hash),
      metadata: { filename: meta.filename },
    })
    .onConflictDoNothing();
  await grantArtifacts(db, workspaceId, [blob.hash]);
  await rm(f.part, { force: true });
  await rm(f.meta, { force: true });
  return { hash: blob.hash, filename: meta.filename, sizeBytes: blob.sizeBytes };
}
