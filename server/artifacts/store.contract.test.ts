import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdtemp, readdir, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { env, resetEnvForTests } from "../../lib/env";
import { startS3TestServer, type S3TestServer } from "../../tests/s3-server";
import { FsArtifactStore } from "./fs-store";
import { S3ArtifactStore, createS3Client } from "./s3-store";
import { ArtifactCorruptError, ArtifactMissingError, ConfigError } from "../../lib/errors";
import { createArtifactStore, parseS3StoreUrl, type ArtifactStore } from "./store";

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const tempDir = () => mkdtemp(path.join(os.tmpdir(), "artifact-contract-"));

/** What the contract needs to see behind a store's back. */
interface Harness {
  store: ArtifactStore;
  /** A store of the same kind whose every I/O fails (a root below a file; a closed port). */
  unreachable: ArtifactStore;
  expectedUri(hash: string): string;
  /** Replaces the bytes stored under `hash` without going through the store. */
  corrupt(hash: string, bytes: Uint8Array): Promise<void>;
  /** Temporary files, staged objects and unfinished multipart uploads. */
  leftovers(): Promise<string[]>;
  /** Changes whenever the blob under `hash` is written again. */
  version(hash: string): Promise<string>;
  stop(): Promise<void>;
}

async function filesystemHarness(): Promise<Harness> {
  const root = await tempDir();
  const store = new FsArtifactStore(root);
  const aFile = path.join(root, "not-a-directory");
  await writeFile(aFile, "");
  return {
    store,
    unreachable: new FsArtifactStore(path.join(aFile, "artifacts")),
    expectedUri: (hash) =>
      pathToFileURL(path.join(root, "sha256", hash.slice(0, 2), hash.slice(2))).href,
    corrupt: (hash, bytes) => writeFile(store.pathFor(hash), bytes),
    leftovers: async () => readdir(path.join(root, "tmp")).catch(() => []),
    async version(hash) {
      const s = await stat(store.pathFor(hash), { bigint: true });
      return `${s.ino}:${s.mtimeNs}`;
    },
    stop: async () => {},
  };
}

// One moto server for the file, started by the first suite that needs it.
let s3Server: Promise<S3TestServer> | undefined;
const testCredentials = { accessKeyId: "test", secretAccessKey: "test" };

async function s3Harness(): Promise<Harness> {
  const server = await (s3Server ??= startS3TestServer((line) => console.log(`[s3] ${line}`)));
  const client = createS3Client({
    endpoint: server.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: testCredentials,
  });
  // Every write to a key, to tell a no-op put from a rewrite.
  const writes: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string };
      if (/^(PutObject|CopyObject|CompleteMultipartUpload)Command$/.test(context.commandName ?? ""))
        writes.push(input.Key ?? "");
      return next(args);
    },
    { step: "initialize", name: "recordWrites" },
  );
  const bucket = `flowforge-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const prefix = "team/artifacts/";
  const store = new S3ArtifactStore({ client, bucket, prefix, endpoint: server.endpoint });
  return {
    store,
    unreachable: new S3ArtifactStore({
      client: createS3Client({
        endpoint: "http://127.0.0.1:9",
        region: "us-east-1",
        forcePathStyle: true,
        credentials: testCredentials,
        maxAttempts: 1,
      }),
      bucket,
    }),
    expectedUri: (hash) => `s3://${bucket}/${prefix}sha256/${hash.slice(0, 2)}/${hash.slice(2)}`,
    async corrupt(hash, bytes) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: store.keyFor(hash), Body: bytes }),
      );
    },
    async leftovers() {
      const staged = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: store.tempPrefix }),
      );
      const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return [
        ...(staged.Contents ?? []).map((o) => o.Key ?? "?"),
        ...(uploads.Uploads ?? []).map((u) => `unfinished upload of ${u.Key ?? "?"}`),
      ];
    },
    version(hash) {
      const key = store.keyFor(hash);
      return Promise.resolve(`${writes.filter((k) => k === key).length} writes`);
    },
    stop: () => Promise.resolve(client.destroy()),
  };
}

afterAll(async () => {
  if (s3Server) await (await s3Server.catch(() => undefined))?.stop();
});

/** `count` chunks of 256 KiB, deterministic, each a fresh allocation (as a real producer makes). */
async function* generated(count: number, options: { failAfter?: number } = {}) {
  const block = createHash("sha512").update("seed").digest();
  for (let i = 0; i < count; i++) {
    if (options.failAfter !== undefined && i === options.failAfter)
      throw new Error("the source broke midway");
    await new Promise((resolve) => setImmediate(resolve));
    const chunk = Buffer.alloc(256 * 1024);
    for (let at = 0; at < chunk.length; at += block.length) block.copy(chunk, at);
    chunk.writeUInt32LE(i, 0);
    yield chunk;
  }
}

/** The same bytes, hashed as they stream past, never held. */
async function hashOf(source: AsyncIterable<Uint8Array>) {
  const h = createHash("sha256");
  let size = 0;
  for await (const chunk of source) {
    h.update(chunk);
    size += chunk.byteLength;
  }
  return { hash: h.digest("hex"), sizeBytes: size };
}

// V8 collects large Buffers lazily, so garbage alone can grow the process by tens of MiB; collecting
// before each sample makes the peak measure what is really held.
v8.setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/**
 * Peak growth of the resident set and of live Buffers while `work` runs, sampled after a
 * collection every 25 ms. The Buffer figure also catches buffering into memory the process had
 * already reserved (which the resident set would not show).
 */
async function peakGrowth(work: () => Promise<void>): Promise<{ rss: number; buffers: number }> {
  collectGarbage();
  const before = process.memoryUsage();
  const peak = { rss: before.rss, buffers: before.arrayBuffers };
  const sample = () => {
    collectGarbage();
    const now = process.memoryUsage();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.buffers = Math.max(peak.buffers, now.arrayBuffers);
  };
  const sampler = setInterval(sample, 25);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  sample();
  return { rss: peak.rss - before.rss, buffers: peak.buffers - before.arrayBuffers };
}

const INVALID_HASHES = [
  "",
  "abc",
  "../../etc/passwd",
  "A".repeat(64),
  "g".repeat(64),
  "0".repeat(63),
  "0".repeat(65),
  `${"0".repeat(64)}\n`,
  `../${"0".repeat(61)}`,
];

describe.each([
  { name: "filesystem", start: filesystemHarness },
  { name: "S3 (moto server on loopback)", start: s3Harness },
])("ArtifactStore contract: $name", ({ start }) => {
  let h: Harness;
  let setupError: Error | undefined;
  beforeAll(async () => {
    try {
      h = await start();
    } catch (err) {
      setupError = err instanceof Error ? err : new Error(String(err));
    }
  }, 600_000);
  // A store that cannot be set up (no S3 server) fails every case with the reason, never skips.
  beforeEach(() => {
    if (setupError) throw setupError;
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("stores bytes under their SHA-256 and gives them back, empty ones included", async () => {
    const bytes = randomBytes(100_000);
    const blob = await h.store.put(bytes);
    expect(blob).toEqual({ hash: sha256(bytes), sizeBytes: 100_000 });
    expect(await h.store.has(blob.hash)).toBe(true);
    expect((await h.store.get(blob.hash)).equals(bytes)).toBe(true);
    expect(h.store.uri(blob.hash)).toBe(h.expectedUri(blob.hash));

    const empty = await h.store.putStream((async function* () {})());
    expect(empty).toEqual({ hash: sha256(new Uint8Array()), sizeBytes: 0 });
    expect((await h.store.get(empty.hash)).length).toBe(0);
    expect(await h.store.put(new Uint8Array())).toEqual(empty);
    expect(await h.leftovers()).toEqual([]);
  });

  it("treats the same bytes a second time as a no-op, however they arrive", async () => {
    const bytes = randomBytes(300_000);
    const blob = await h.store.put(bytes);
    const written = await h.version(blob.hash);
    expect(await h.store.put(bytes)).toEqual(blob);
    const chunks = [
      bytes.subarray(0, 1000),
      bytes.subarray(1000, 200_000),
      bytes.subarray(200_000),
    ];
    expect(await h.store.putStream(Readable.from(chunks))).toEqual(blob);
    const file = path.join(await tempDir(), "same.bin");
    await writeFile(file, bytes);
    expect(await h.store.putFile(file)).toEqual(blob);
    expect(await h.version(blob.hash)).toBe(written);
    expect((await h.store.get(blob.hash)).equals(bytes)).toBe(true);
    expect(await h.leftovers()).toEqual([]);
  });

  it("streams 50 MB in and out without holding it in memory; the hash equals put's", async () => {
    const chunks = 200; // 200 × 256 KiB = 50 MiB
    const expected = await hashOf(generated(chunks));
    let blob: { hash: string; sizeBytes: number } | undefined;
    const growthIn = await peakGrowth(async () => {
      blob = await h.store.putStream(generated(chunks));
    });
    expect(blob).toEqual(expected);
    expect(expected.sizeBytes).toBe(50 * MiB);
    // A sanity bound, not a timing: buffering the stream would grow the process by 50 MiB or more
    // (an S3 multipart upload holds about three 5 MiB parts).
    expect(growthIn.rss).toBeLessThan(32 * MiB);
    expect(growthIn.buffers).toBeLessThan(32 * MiB);

    const file = path.join(await tempDir(), "download.bin");
    const growthOut = await peakGrowth(() => h.store.downloadTo(expected.hash, file));
    expect(growthOut.rss).toBeLessThan(32 * MiB);
    expect(growthOut.buffers).toBeLessThan(32 * MiB);
    expect(await hashOf(createReadStream(file))).toEqual(expected);

    // The same bytes through put, all at once: the same artifact, not written again.
    const written = await h.version(expected.hash);
    const parts: Buffer[] = [];
    for await (const chunk of generated(chunks)) parts.push(chunk);
    const whole = Buffer.concat(parts);
    expect(await h.store.put(whole)).toEqual(expected);
    expect(await h.version(expected.hash)).toBe(written);
    expect(await h.leftovers()).toEqual([]);
  });

  it("reads back through openRead and downloadTo", async () => {
    const bytes = randomBytes(3 * MiB + 17);
    const { hash } = await h.store.put(bytes);
    const read: Buffer[] = [];
    for await (const chunk of await h.store.openRead(hash)) read.push(Buffer.from(chunk));
    expect(Buffer.concat(read).equals(bytes)).toBe(true);

    const file = path.join(await tempDir(), "copy.bin");
    await h.store.downloadTo(hash, file);
    expect(await hashOf(createReadStream(file))).toEqual({ hash, sizeBytes: bytes.length });

    // A reader may stop early; nothing is left hanging.
    const partial = await h.store.openRead(hash);
    for await (const chunk of partial) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    // A file put in and read out again.
    const roundTrip = await h.store.putFile(file);
    expect(roundTrip).toEqual({ hash, sizeBytes: bytes.length });
  });

  it("refuses invalid hashes before any I/O", async () => {
    const dir = await tempDir();
    for (const store of [h.store, h.unreachable]) {
      for (const bad of INVALID_HASHES) {
        const dest = path.join(dir, "never.bin");
        expect(() => store.uri(bad), JSON.stringify(bad)).toThrow(/Invalid artifact hash/);
        await expect(store.has(bad)).rejects.toThrow(/Invalid artifact hash/);
        await expect(store.get(bad)).rejects.toThrow(/Invalid artifact hash/);
        await expect(store.openRead(bad)).rejects.toThrow(/Invalid artifact hash/);
        await expect(store.downloadTo(bad, dest)).rejects.toThrow(/Invalid artifact hash/);
        expect(existsSync(dest)).toBe(false);
      }
    }
    // The unreachable store fails on any I/O, so the refusals above came before it.
    await expect(h.unreachable.get("0".repeat(64))).rejects.not.toThrow(/Invalid artifact hash/);
  });

  it("names the hash and the store when an artifact is missing", async () => {
    const hash = sha256(randomBytes(32));
    const dest = path.join(await tempDir(), "missing.bin");
    expect(await h.store.has(hash)).toBe(false);
    for (const attempt of [
      () => h.store.get(hash),
      () => h.store.openRead(hash),
      () => h.store.downloadTo(hash, dest),
    ]) {
      const err = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ArtifactMissingError);
      expect((err as Error).message).toContain(hash);
      expect((err as Error).message).toContain(h.store.describe());
      expect((err as Error).message).toMatch(/missing/);
    }
    expect(existsSync(dest)).toBe(false);
  });

  it("detects corrupt content on get, openRead and downloadTo", async () => {
    const bytes = randomBytes(2 * MiB);
    const { hash } = await h.store.put(bytes);
    const tampered = Buffer.from(bytes);
    tampered[MiB] = tampered[MiB]! ^ 0xff;
    await h.corrupt(hash, tampered);

    await expect(h.store.get(hash)).rejects.toThrow(ArtifactCorruptError);
    await expect(h.store.get(hash)).rejects.toThrow(new RegExp(`${hash}.*corrupt`));
    await expect(
      (async () => {
        for await (const chunk of await h.store.openRead(hash)) void chunk;
      })(),
    ).rejects.toThrow(ArtifactCorruptError);
    const dest = path.join(await tempDir(), "corrupt.bin");
    await expect(h.store.downloadTo(hash, dest)).rejects.toThrow(ArtifactCorruptError);
    expect(existsSync(dest)).toBe(false);
  });

  it("leaves nothing temporary behind, after success or after a source that fails", async () => {
    // 12 MiB: more than one part of an S3 multipart upload.
    const ok = await h.store.putStream(generated(48));
    expect(await h.store.has(ok.hash)).toBe(true);
    expect(await h.leftovers()).toEqual([]);

    // Failing after several parts were uploaded, after a few bytes, at once, and as a Node stream.
    await expect(h.store.putStream(generated(48, { failAfter: 40 }))).rejects.toThrow(
      "the source broke midway",
    );
    await expect(h.store.putStream(generated(48, { failAfter: 1 }))).rejects.toThrow(
      "the source broke midway",
    );
    await expect(h.store.putStream(generated(48, { failAfter: 0 }))).rejects.toThrow(
      "the source broke midway",
    );
    const failing = Readable.from(generated(48, { failAfter: 30 }), { objectMode: false });
    await expect(h.store.putStream(failing)).rejects.toThrow("the source broke midway");
    await expect(
      h.store.putFile(path.join(os.tmpdir(), `no-such-${randomUUID()}`)),
    ).rejects.toThrow(/ENOENT/);
    expect(await h.leftovers()).toEqual([]);
    const partial = await hashOf(generated(40));
    expect(await h.store.has(partial.hash)).toBe(false);
  });
});

describe("S3ArtifactStore beyond CopyObject's limit", () => {
  it("copies a large staged upload into place part by part", async () => {
    const server = await (s3Server ??= startS3TestServer());
    const client = createS3Client({
      endpoint: server.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: testCredentials,
    });
    const commands: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? "");
        return next(args);
      },
      { step: "initialize", name: "recordCommands" },
    );
    const bucket = `flowforge-${randomUUID().slice(0, 8)}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    // Thresholds scaled down so 12 MiB takes the path a > 5 GiB artifact takes.
    const store = new S3ArtifactStore({
      client,
      bucket,
      multipartCopyThreshold: 6 * MiB,
      copyPartSize: 5 * MiB,
    });
    const expected = await hashOf(generated(48));
    expect(await store.putStream(generated(48))).toEqual(expected);
    expect(commands.filter((c) => c === "UploadPartCopyCommand")).toHaveLength(3);
    expect(commands).not.toContain("CopyObjectCommand");
    expect((await store.get(expected.hash)).length).toBe(12 * MiB);
    const staged = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "tmp/" }));
    expect(staged.Contents ?? []).toEqual([]);
    client.destroy();
  });
});

describe("createArtifactStore", () => {
  const hash = "ab" + "0".repeat(62);

  it("uses the filesystem at ARTIFACT_DIR unless ARTIFACT_STORE names a bucket", () => {
    const store = createArtifactStore({ artifactDir: "/srv/artifacts" });
    expect(store).toBeInstanceOf(FsArtifactStore);
    expect(store.uri(hash)).toBe(`file:///srv/artifacts/sha256/ab/${"0".repeat(62)}`);
    expect(store.describe()).toContain("/srv/artifacts");
  });

  it("uses S3 for s3:// URLs, path-style by default with a custom endpoint", () => {
    const store = createArtifactStore({
      artifactDir: "/unused",
      ARTIFACT_STORE: "s3://ml-artifacts/flowforge/prod/",
      S3_ENDPOINT: "http://minio.internal:9000",
    });
    expect(store).toBeInstanceOf(S3ArtifactStore);
    expect(store.uri(hash)).toBe(`s3://ml-artifacts/flowforge/prod/sha256/ab/${"0".repeat(62)}`);
    expect(store.describe()).toBe(
      "the S3 store s3://ml-artifacts/flowforge/prod/ at http://minio.internal:9000",
    );
    expect((store as S3ArtifactStore).client.config.forcePathStyle).toBe(true);
    const aws = createArtifactStore({ artifactDir: "/unused", ARTIFACT_STORE: "s3://bucket" });
    expect((aws as S3ArtifactStore).client.config.forcePathStyle).toBe(false);
    expect(aws.uri(hash)).toBe(`s3://bucket/sha256/ab/${"0".repeat(62)}`);
    const virtualHosted = createArtifactStore({
      artifactDir: "/unused",
      ARTIFACT_STORE: "s3://bucket/p",
      S3_ENDPOINT: "https://s3.example.com",
      S3_FORCE_PATH_STYLE: false,
    });
    expect((virtualHosted as S3ArtifactStore).client.config.forcePathStyle).toBe(false);
    expect(virtualHosted.uri(hash)).toBe(`s3://bucket/p/sha256/ab/${"0".repeat(62)}`);
  });

  it("parses bucket and prefix, and the environment refuses anything else", () => {
    expect(parseS3StoreUrl("s3://b-1.x")).toEqual({ bucket: "b-1.x", prefix: "" });
    expect(parseS3StoreUrl("s3://bucket/")).toEqual({ bucket: "bucket", prefix: "" });
    expect(parseS3StoreUrl("s3://bucket/a/b")).toEqual({ bucket: "bucket", prefix: "a/b/" });
    expect(parseS3StoreUrl("s3://bucket//a/b//")).toEqual({ bucket: "bucket", prefix: "a/b/" });
    const saved = { ...process.env };
    try {
      for (const [name, value] of [
        ["ARTIFACT_STORE", "/mnt/artifacts"],
        ["ARTIFACT_STORE", "s3://Bad_Bucket/x"],
        ["S3_ENDPOINT", "minio:9000"],
        ["S3_FORCE_PATH_STYLE", "yes"],
      ] as const) {
        process.env = { ...saved, [name]: value };
        resetEnvForTests();
        expect(() => env(), `${name}=${value}`).toThrow(ConfigError);
        expect(() => env()).toThrow(name);
      }
      process.env = {
        ...saved,
        ARTIFACT_STORE: "s3://bucket/x",
        S3_ENDPOINT: "http://127.0.0.1:9000",
        S3_FORCE_PATH_STYLE: "false",
      };
      resetEnvForTests();
      expect(env()).toMatchObject({
        ARTIFACT_STORE: "s3://bucket/x",
        S3_ENDPOINT: "http://127.0.0.1:9000",
        S3_FORCE_PATH_STYLE: false,
      });
    } finally {
      process.env = saved;
      resetEnvForTests();
    }
  });
});
