import { spawnSync } from "node:child_process";
import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyOutOfBox, readBytesInBox, readJsonInBox, type BoxFile, openInBox } from "./read-back";
import { ReadBackError } from "../errors";

const SECRET = "s3cr3t-admin-password-do-not-leak";

describe("read-back from a sandbox directory", () => {
  let root: string;
  let box: string;
  let outside: string;
  const servers: net.Server[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "read-back-"));
    box = path.join(root, "box");
    outside = path.join(root, "secret.json");
    await mkdir(path.join(box, "out"), { recursive: true });
    await writeFile(outside, JSON.stringify({ password: SECRET }));
    await writeFile(path.join(box, "metrics.json"), JSON.stringify({ rows: 3 }));
    await writeFile(path.join(box, "out", "dataset.parquet"), "PAR1-bytes");
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    await rm(root, { recursive: true, force: true });
  });

  /** The error a read gives, checked to name the file and to quote nothing of the secret. */
  async function refusal(read: Promise<unknown>): Promise<string> {
    const err = await read.then(
      () => new Error("read back instead of refusing"),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(ReadBackError);
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toMatch(/root:|password/);
    return err.message;
  }

  it("reads regular files and JSON, and says when a file is not there", async () => {
    expect(await readJsonInBox(box, "metrics.json")).toEqual({ rows: 3 });
    expect(await readJsonInBox(box, "error.json")).toBeUndefined();
    expect(await readJsonInBox(box, "nothing/error.json")).toBeUndefined();
    expect((await readBytesInBox(box, "out/dataset.parquet", { maxBytes: 100 }))!.toString()).toBe(
      "PAR1-bytes",
    );
    const dest = path.join(root, "copy.parquet");
    expect(await copyOutOfBox(box, "out/dataset.parquet", dest, { maxBytes: 100 })).toBe(true);
    expect(await readFile(dest, "utf8")).toBe("PAR1-bytes");
    expect(await copyOutOfBox(box, "out/none.parquet", dest, { maxBytes: 100 })).toBe(false);
    // The copy goes only to a new file.
    await expect(
      copyOutOfBox(box, "out/dataset.parquet", dest, { maxBytes: 100 }),
    ).rejects.toMatchObject({ code: "EEXIST" });
  });

  it("refuses symbolic links, in the last component or any before it", async () => {
    await symlink("/etc/passwd", path.join(box, "error.json"));
    expect(await refusal(readJsonInBox(box, "error.json"))).toBe(
      "error.json was refused: it is a symbolic link",
    );
    await symlink(outside, path.join(box, "linked.json"));
    await refusal(readJsonInBox(box, "linked.json"));
    await symlink("/proc/self/environ", path.join(box, "environ.json"));
    await refusal(readJsonInBox(box, "environ.json"));
    // A directory component that is a link: out2 -> the directory holding the secret.
    await symlink(root, path.join(box, "out2"));
    expect(await refusal(readJsonInBox(box, "out2/secret.json"))).toBe(
      "out2 was refused: it is a symbolic link",
    );
    await rm(path.join(box, "error.json"));
  });

  it("refuses FIFOs without blocking, sockets, devices, directories and hard links", async () => {
    const fifo = path.join(box, "fifo.json");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const started = Date.now();
    expect(await refusal(readJsonInBox(box, "fifo.json"))).toMatch(/it is a FIFO/);
    expect(Date.now() - started).toBeLessThan(2000);

    const socket = path.join(box, "out", "socket.parquet");
    const server = net.createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    expect(await refusal(readBytesInBox(box, "out/socket.parquet", { maxBytes: 1e6 }))).toMatch(
      /socket/,
    );

    // mknod needs CAP_MKNOD: as root it is tried, elsewhere the FIFO and the socket stand in.
    const device = path.join(box, "out", "model.onnx");
    if (spawnSync("mknod", [device, "c", "1", "3"]).status === 0)
      expect(await refusal(readBytesInBox(box, "out/model.onnx", { maxBytes: 1e6 }))).toMatch(
        /device/,
      );

    await mkdir(path.join(box, "dir.json"));
    expect(await refusal(readJsonInBox(box, "dir.json"))).toMatch(/directory/);

    await link(outside, path.join(box, "hard.json"));
    expect(await refusal(readJsonInBox(box, "hard.json"))).toMatch(/2 hard links/);
  });

  it("caps sizes, refuses paths that leave the directory, and quotes nothing of bad JSON", async () => {
    await writeFile(path.join(box, "big.json"), "x".repeat(2 * 1024 * 1024));
    expect(await refusal(readJsonInBox(box, "big.json"))).toMatch(/over the limit of 1048576/);
    expect(await refusal(readBytesInBox(box, "out/dataset.parquet", { maxBytes: 4 }))).toMatch(
      /10 bytes, over the limit of 4/,
    );
    for (const bad of ["../secret.json", "/etc/passwd", "out//dataset.parquet", "./metrics.json"])
      expect(await refusal(readJsonInBox(box, bad))).toMatch(/not a plain path/);
    await writeFile(path.join(box, "bad.json"), `root:x:0:0:${SECRET}`);
    expect(await refusal(readJsonInBox(box, "bad.json"))).toBe(
      "bad.json was refused: it is not valid JSON",
    );
  });

  it("hands back an open, verified descriptor", async () => {
    const file = (await openInBox(box, "metrics.json", { maxBytes: 100 })) as BoxFile;
    try {
      expect(file.size).toBe(JSON.stringify({ rows: 3 }).length);
      expect((await file.handle.stat()).isFile()).toBe(true);
    } finally {
      await file.handle.close();
    }
  });
});
