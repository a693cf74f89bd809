import { createHash } from "node:crypto";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FsArtifactStore } from "./fs-store";

describe("FsArtifactStore", () => {
  it("stores blobs under their SHA-256, idempotently, leaving no temporary files", async () => {
    const store = new FsArtifactStore(await mkdtemp(path.join(os.tmpdir(), "store-")));
    const bytes = Buffer.from("hello artifacts");
    const a = await store.put(bytes);
    const b = await store.put(bytes);
    expect(a).toEqual(b);
    expect(a.hash).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect((await store.get(a.hash)).toString()).toBe("hello artifacts");
    expect(await readdir(path.join(store.root, "tmp"))).toEqual([]);
  });

  it("refuses hashes that are not hashes, and notices missing or corrupt blobs", async () => {
    const store = new FsArtifactStore(await mkdtemp(path.join(os.tmpdir(), "store-")));
    expect(() => store.pathFor("../../etc/passwd")).toThrow(/Invalid artifact hash/);
    await expect(store.get("0".repeat(64))).rejects.toThrow(/missing/);
    const { hash } = await store.put(Buffer.from("original"));
    await writeFile(store.pathFor(hash), "tampered");
    await expect(store.get(hash)).rejects.toThrow(/corrupt/);
  });
});
