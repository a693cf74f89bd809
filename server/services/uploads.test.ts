import { DEFAULT_WORKSPACE_ID as WS } from "../auth/users";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { FsArtifactStore } from "../artifacts/fs-store";
import { closeDb, getDb } from "../db/client";
import { env } from "../../lib/env";
import { appendChunk, completeUpload, createUpload, safeFilename, uploadStatus } from "./uploads";

const chunks = (...parts: string[]): AsyncIterable<Uint8Array> =>
  Readable.from(parts.map((p) => Buffer.from(p)));

describe("chunked uploads", () => {
  afterAll(async () => {
    await closeDb();
  });
  const store = new FsArtifactStore(env().artifactDir);

  it("assembles chunks at confirmed offsets, refuses a repeated chunk, and stores the file by hash", async () => {
    const text = "a,b\n1,2\n3,4\n";
    const { id } = await createUpload({
      filename: "../../evil/data.csv",
      size: text.length,
      workspaceId: WS,
    });
    expect((await uploadStatus(id, WS)).filename).toBe("data.csv");
    expect(await appendChunk(id, 0, chunks("a,b\n", "1,2\n"), WS)).toEqual({ id, offset: 8 });
    await expect(appendChunk(id, 0, chunks("a,b\n"), WS)).rejects.toThrow(/resume from 8/);
    await expect(completeUpload(getDb(), store, id, WS)).rejects.toThrow(/8 of 12 bytes received/);
    await expect(appendChunk(id, 8, chunks("3,4\nEXTRA"), WS)).rejects.toThrow(
      /more bytes than the declared 12/,
    );
    expect((await uploadStatus(id, WS)).offset).toBe(8);
    await appendChunk(id, 8, chunks("3,4\n"), WS);
    const done = await completeUpload(getDb(), store, id, WS);
    expect(done.filename).toBe("data.csv");
    expect((await store.get(done.hash)).toString()).toBe(text);
    await expect(uploadStatus(id, WS)).rejects.toThrow(/No upload/);
  });

  it("refuses empty, oversized and badly named uploads, and ids that are not ids", async () => {
    await expect(createUpload({ filename: "x.csv", size: 0, workspaceId: WS })).rejects.toThrow(
      "x.csv: the file is empty",
    );
    await expect(
      createUpload({ filename: "x.csv", size: env().UPLOAD_MAX_BYTES + 1, workspaceId: WS }),
    ).rejects.toThrow(/the limit is/);
    expect(() => safeFilename("..")).toThrow(/Invalid file name/);
    expect(safeFilename("C:\\Users\\me\\<script>.csv")).toBe("_script_.csv");
    await expect(uploadStatus("../../etc/passwd", WS)).rejects.toThrow(/Invalid upload id/);
  });
});
