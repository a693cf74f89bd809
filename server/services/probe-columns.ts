import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, open, stat } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { getNodeDefinition } from "../../nodes/index";
import type { ColumnSchema } from "../../lib/data/dataset";
import {
  detectFormat,
  readFileInto,
  type CsvOptions,
  type FileFormat,
} from "../../lib/data/ingest";
import { resolveInside } from "../../lib/data/paths";
import { openSandbox } from "../../lib/data/sandbox";
import { env } from "../../lib/env";
import { artifactInWorkspace } from "../auth/access";
import type { ArtifactStore } from "../artifacts/store";
import type { Db } from "../db/client";

/** How much of a text file the probe reads: DuckDB's sniffer samples about 20,000 rows. */
const TEXT_HEAD_BYTES = 8 * 1024 * 1024;

export type Probe = { columns: ColumnSchema[] } | { error: string } | { unknown: true };

type IngestParams = { format?: FileFormat; nullValues?: string[] } & CsvOptions;

/** Cuts a text file's head after its last whole line (a half line would be a malformed row). */
async function toLastLine(file: string) {
  const { size } = await stat(file);
  if (size < TEXT_HEAD_BYTES) return;
  const handle = await open(file, "r+");
  try {
    const tail = Buffer.alloc(Math.min(size, 1024 * 1024));
    await handle.read(tail, 0, tail.length, size - tail.length);
    const last = tail.lastIndexOf(0x0a);
    if (last >= 0) await handle.truncate(size - tail.length + last + 1);
  } finally {
    await handle.close();
  }
}

/** The first bytes of a file into another: a text file's head, enough for the sniffer. */
async function copyHead(from: string, to: string) {
  await pipeline(createReadStream(from, { end: TEXT_HEAD_BYTES - 1 }), createWriteStream(to));
  await toLastLine(to);
}

/** The first bytes of a blob into a file (a text file's head). */
async function headOf(store: ArtifactStore, hash: string, file: string) {
  let taken = 0;
  let full = true;
  const cut = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (taken >= TEXT_HEAD_BYTES) {
        full = false;
        return done();
      }
      const part = chunk.subarray(0, TEXT_HEAD_BYTES - taken);
      taken += part.length;
      if (part.length < chunk.length) full = false;
      done(null, part);
    },
  });
  const source = await store.openRead(hash);
  await pipeline(source, cut, createWriteStream(file)).catch((err: unknown) => {
    // The stream's own hash check fails when we stop early; a short read is what we asked for.
    if (full) throw err;
  });
  await toLastLine(file);
}

/**
 * The columns and types an ingest node will produce, before it runs: its file (a sample
 * dataset, an upload of the workspace, a file in the data directory) read with the node's own
 * options, as far as DuckDB's sniffer reads. Errors say what the run would say, without paths;
 * a node whose source cannot be probed here (a database query) is `unknown`.
 */
export async function probeColumns(
  db: Db,
  store: ArtifactStore,
  workspaceId: string,
  node: { type: string; params: unknown },
): Promise<Probe> {
  const def = getNodeDefinition(node.type);
  if (!def || def.category !== "ingest" || node.type === "ingest.postgres")
    return { unknown: true };
  const parsed = def.params.safeParse(node.params ?? {});
  if (!parsed.success) return { unknown: true };
  const p = parsed.data as IngestParams & {
    dataset?: string;
    upload?: { hash: string; filename: string };
    path?: string;
  };
  const dir = await mkdtemp(path.join(os.tmpdir(), "flowforge-probe-"));
  try {
    // DuckDB reads only inside `dir`: the file, or its head, is copied there first.
    const local = path.join(dir, "probe-input");
    let name: string;
    let source: string | undefined;
    if (node.type === "ingest.sample") {
      name = `${p.dataset}.csv`;
      source = path.join(process.cwd(), "examples", "data", name);
    } else if (node.type === "ingest.upload" && p.upload) {
      if (!(await artifactInWorkspace(db, workspaceId, p.upload.hash)))
        return { error: `Upload ${p.upload.filename} is not in this workspace: upload it again` };
      name = p.upload.filename;
      const format = detectFormat(name, p.format);
      if (format === "csv" || format === "tsv") await headOf(store, p.upload.hash, local);
      else await store.downloadTo(p.upload.hash, local);
    } else if (node.type === "ingest.file" && p.path) {
      const root = env().dataFilesDir;
      try {
        source = await resolveInside(root, p.path, "path");
      } catch (err) {
        return {
          error: (err instanceof Error ? err.message : String(err))
            .split(root)
            .join("the data directory"),
        };
      }
      name = p.path;
    } else return { unknown: true };
    if (source) {
      const format = detectFormat(name, p.format);
      if (format === "csv" || format === "tsv") await copyHead(source, local);
      else await copyFile(source, local);
    }
    const box = await openSandbox(dir, { threads: 1, memoryLimit: "256MB" });
    try {
      await readFileInto(box.connection, local, path.basename(name), { ...p, view: true }, "probe");
      const columns = (await box.connection.runAndReadAll("DESCRIBE probe"))
        .getRowObjects()
        .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
      return { columns };
    } finally {
      box.close();
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { error: message.split(dir).join("").split(process.cwd()).join("") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
