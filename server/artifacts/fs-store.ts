import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile, rm } from "node:fs/promises";
import path from "node:path";

export interface StoredBlob {
  hash: string;
  sizeBytes: number;
}

/**
 * Content-addressed blobs on a filesystem. A blob is written to a temporary file and renamed into
 * place, so a reader never sees a half-written artifact; writing the same bytes twice is a no-op.
 */
export class FsArtifactStore {
  constructor(readonly root: string) {}

  pathFor(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`Invalid artifact hash: ${hash}`);
    return path.join(this.root, "sha256", hash.slice(0, 2), hash.slice(2));
  }

  async put(bytes: Uint8Array): Promise<StoredBlob> {
    const hash = createHash("sha256").update(bytes).digest("hex");
    const target = this.pathFor(hash);
    const existing = await stat(target).catch(() => null);
    if (existing?.size === bytes.byteLength) return { hash, sizeBytes: bytes.byteLength };
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = path.join(this.root, "tmp", `${randomUUID()}.part`);
    await mkdir(path.dirname(tmp), { recursive: true });
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { hash, sizeBytes: bytes.byteLength };
  }

  async has(hash: string): Promise<boolean> {
    return (await stat(this.pathFor(hash)).catch(() => null)) !== null;
  }

  async get(hash: string): Promise<Buffer> {
    const bytes = await readFile(this.pathFor(hash)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new Error(`Artifact ${hash} is missing from ${this.root}`);
      throw err;
    });
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== hash)
      throw new Error(`Artifact ${hash} is corrupt (its bytes hash to ${actual})`);
    return bytes;
  }
}
