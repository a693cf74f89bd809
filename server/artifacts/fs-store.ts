import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import type { ArtifactStore } from "./store";
import { ArtifactCorruptError, ArtifactMissingError } from "../../lib/errors";
import {
  assertHash,
  hashingTap,
  storeFull,
  streamToFile,
  through,
  verifyingTap,
  type ByteSource,
  type StoredBlob,
} from "./streams";

export type { StoredBlob } from "./streams";

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === "ENOENT";

/**
 * Content-addressed blobs on a filesystem. A blob is written to a temporary file (under `tmp/`,
 * on the same filesystem) and renamed into place, so a reader never sees a half-written artifact;
 * writing the same bytes twice is a no-op. A full disk fails the write with ArtifactStoreFullError
 * and removes the temporary file.
 */
export class FsArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  pathFor(hash: string): string {
    assertHash(hash);
    return path.join(this.root, "sha256", hash.slice(0, 2), hash.slice(2));
  }

  uri(hash: string): string {
    return pathToFileURL(this.pathFor(hash)).href;
  }

  describe(): string {
    return `the filesystem store at ${this.root}`;
  }

  async put(bytes: Uint8Array): Promise<StoredBlob> {
    const hash = createHash("sha256").update(bytes).digest("hex");
    const blob = { hash, sizeBytes: bytes.byteLength };
    if (await this.holds(blob)) return blob;
    const tmp = await this.tempPath();
    try {
      await writeFile(tmp, bytes, { flag: "wx" });
      await this.moveIntoPlace(tmp, blob);
    } catch (err) {
      await rm(tmp, { force: true });
      throw storeFull(err, this.describe());
    }
    return blob;
  }

  async putStream(source: ByteSource): Promise<StoredBlob> {
    const tap = hashingTap();
    // Piped at once, so an early error of the source is caught while the temp file is prepared.
    const hashed = through(source, tap.stream);
    let tmp: string | undefined;
    try {
      tmp = await this.tempPath();
      await pipeline(hashed, createWriteStream(tmp, { flags: "wx" }));
      const blob = tap.result();
      if (await this.holds(blob)) await rm(tmp, { force: true });
      else await this.moveIntoPlace(tmp, blob);
      return blob;
    } catch (err) {
      hashed.destroy();
      if (tmp) await rm(tmp, { force: true });
      throw storeFull(err, this.describe());
    }
  }

  async putFile(file: string): Promise<StoredBlob> {
    const handle = await open(file, "r");
    return this.putStream(handle.createReadStream());
  }

  async has(hash: string): Promise<boolean> {
    return (await stat(this.pathFor(hash)).catch(() => null)) !== null;
  }

  async get(hash: string): Promise<Buffer> {
    const bytes = await readFile(this.pathFor(hash)).catch((err: unknown) => {
      throw isMissing(err) ? new ArtifactMissingError(hash, this.describe()) : err;
    });
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== hash) throw new ArtifactCorruptError(hash, this.describe(), actual);
    return bytes;
  }

  async openRead(hash: string): Promise<NodeJS.ReadableStream> {
    const handle = await open(this.pathFor(hash), "r").catch((err: unknown) => {
      throw isMissing(err) ? new ArtifactMissingError(hash, this.describe()) : err;
    });
    return through(handle.createReadStream(), verifyingTap(hash, this.describe()));
  }

  async downloadTo(hash: string, file: string): Promise<void> {
    const source = await this.openRead(hash);
    await streamToFile(source, file);
  }

  /** The blob is in place with the right size (a truncated leftover is replaced). */
  private async holds(blob: StoredBlob): Promise<boolean> {
    const existing = await stat(this.pathFor(blob.hash)).catch(() => null);
    return existing?.size === blob.sizeBytes;
  }

  private async tempPath(): Promise<string> {
    const dir = path.join(this.root, "tmp");
    await mkdir(dir, { recursive: true });
    return path.join(dir, `${randomUUID()}.part`);
  }

  private async moveIntoPlace(tmp: string, blob: StoredBlob): Promise<void> {
    const target = this.pathFor(blob.hash);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(tmp, target);
  }
}
