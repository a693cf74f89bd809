import { randomUUID } from "node:crypto";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { ArtifactStore } from "./store";
import { ArtifactCorruptError, ArtifactMissingError } from "../../lib/errors";
import {
  assertHash,
  hashingTap,
  sha256,
  streamToFile,
  through,
  verifyingTap,
  type ByteSource,
  type StoredBlob,
} from "./streams";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** S3's limits: at most 10,000 parts, each at least 5 MiB (but the last); CopyObject up to 5 GiB. */
const MAX_PARTS = 10_000;
const MIN_PART_SIZE = 5 * MiB;

export interface S3ArtifactStoreOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix: "" or ending in "/". */
  prefix?: string;
  /** Shown by describe() for S3-compatible servers. */
  endpoint?: string;
  /**
   * Part size of multipart uploads of streams of unknown length (default 5 MiB, S3's minimum, so at
   * most 48.8 GiB per stream; putFile and put size their parts from the known length). An upload
   * holds about (queueSize + 1) × partSize in memory.
   */
  partSize?: number;
  /** Parts uploaded at once (default 2). */
  queueSize?: number;
  /** Objects above this size are copied into place part by part (default 5 GiB, CopyObject's limit). */
  multipartCopyThreshold?: number;
  /** Part size of such copies (default 512 MiB). */
  copyPartSize?: number;
}

/**
 * An S3 client as the store wants it. Every read is verified against its SHA-256, so the SDK's own
 * CRC check of responses is left to when S3 requires it: S3-compatible servers disagree about the
 * checksums of multipart-uploaded and copied objects. Uploads keep the SDK's checksums.
 */
export function createS3Client(config: S3ClientConfig): S3Client {
  return new S3Client({ responseChecksumValidation: "WHEN_REQUIRED", ...config });
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (!e || e.name === "NoSuchBucket") return false;
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.$metadata?.httpStatusCode === 404;
}

const encodeKey = (key: string) => key.split("/").map(encodeURIComponent).join("/");

/**
 * Content-addressed blobs in an S3 bucket (or an S3-compatible server), under
 * `<prefix>sha256/ab/cdef…`. A stream is uploaded (multipart, while hashing) to `<prefix>tmp/<uuid>`
 * and then copied to its final key, which S3 creates atomically, so a reader never sees a
 * half-written artifact; a blob already in place is not copied again.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  private readonly endpoint: string | undefined;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly multipartCopyThreshold: number;
  private readonly copyPartSize: number;

  constructor(options: S3ArtifactStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? "";
    if (this.prefix && !this.prefix.endsWith("/"))
      throw new Error(`S3 key prefix must end with "/" (got ${this.prefix})`);
    this.endpoint = options.endpoint;
    this.partSize = Math.max(MIN_PART_SIZE, options.partSize ?? 5 * MiB);
    this.queueSize = options.queueSize ?? 2;
    this.multipartCopyThreshold = Math.min(options.multipartCopyThreshold ?? 5 * GiB, 5 * GiB);
    this.copyPartSize = Math.max(MIN_PART_SIZE, options.copyPartSize ?? 512 * MiB);
  }

  keyFor(hash: string): string {
    assertHash(hash);
    return `${this.prefix}sha256/${hash.slice(0, 2)}/${hash.slice(2)}`;
  }

  /** Where putStream stages uploads; empty except while one runs (or after a crash). */
  get tempPrefix(): string {
    return `${this.prefix}tmp/`;
  }

  uri(hash: string): string {
    return `s3://${this.bucket}/${this.keyFor(hash)}`;
  }

  describe(): string {
    const where = this.endpoint ? ` at ${this.endpoint}` : "";
    return `the S3 store s3://${this.bucket}/${this.prefix}${where}`;
  }

  async put(bytes: Uint8Array): Promise<StoredBlob> {
    const blob = { hash: sha256(bytes), sizeBytes: bytes.byteLength };
    // The hash is known up front, so the blob goes straight to its key: S3 shows an object only
    // once its upload (single or multipart) is complete.
    if ((await this.sizeOf(blob.hash)) === blob.sizeBytes) return blob;
    await this.upload(this.keyFor(blob.hash), bytes, this.partSizeFor(bytes.byteLength));
    return blob;
  }

  putStream(source: ByteSource): Promise<StoredBlob> {
    return this.putStaged(source, this.partSize);
  }

  async putFile(file: string): Promise<StoredBlob> {
    const handle = await open(file, "r");
    const { size } = await handle.stat().catch(async (err: unknown) => {
      await handle.close();
      throw err;
    });
    return this.putStaged(handle.createReadStream(), this.partSizeFor(size));
  }

  async has(hash: string): Promise<boolean> {
    return (await this.sizeOf(hash)) !== undefined;
  }

  async get(hash: string): Promise<Buffer> {
    const body = await this.getBody(hash);
    const bytes = Buffer.from(await body.transformToByteArray());
    const actual = sha256(bytes);
    if (actual !== hash) throw new ArtifactCorruptError(hash, this.describe(), actual);
    return bytes;
  }

  async openRead(hash: string): Promise<NodeJS.ReadableStream> {
    const body = await this.getBody(hash);
    const readable =
      body instanceof Readable
        ? body
        : Readable.fromWeb(body.transformToWebStream() as unknown as WebReadableStream);
    return through(readable, verifyingTap(hash, this.describe()));
  }

  async downloadTo(hash: string, file: string): Promise<void> {
    await streamToFile(await this.openRead(hash), file);
  }

  private async putStaged(source: ByteSource, partSize: number): Promise<StoredBlob> {
    const tmpKey = `${this.tempPrefix}${randomUUID()}`;
    const tap = hashingTap();
    const body = through(source, tap.stream);
    let blob: StoredBlob;
    try {
      await this.upload(tmpKey, body, partSize);
      blob = tap.result();
      if ((await this.sizeOf(blob.hash)) !== blob.sizeBytes)
        await this.copy(tmpKey, this.keyFor(blob.hash), blob.sizeBytes);
    } catch (err) {
      // A failed multipart upload is aborted by Upload itself; a staged object is removed here.
      body.destroy();
      await this.deleteObject(tmpKey).catch(() => undefined);
      throw err;
    }
    await this.deleteObject(tmpKey).catch((err: unknown) => {
      // The artifact is in place; a bucket lifecycle rule on tmp/ clears what this leaves.
      console.warn(`could not delete ${tmpKey} from ${this.describe()}: ${String(err)}`);
    });
    return blob;
  }

  private partSizeFor(length: number): number {
    return Math.max(this.partSize, Math.ceil(length / MAX_PARTS));
  }

  private async upload(key: string, body: Uint8Array | Readable, partSize: number): Promise<void> {
    await new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body },
      partSize,
      queueSize: this.queueSize,
    }).done();
  }

  private async copy(fromKey: string, toKey: string, size: number): Promise<void> {
    const CopySource = `${this.bucket}/${encodeKey(fromKey)}`;
    if (size <= this.multipartCopyThreshold) {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: toKey, CopySource }),
      );
      return;
    }
    const target = { Bucket: this.bucket, Key: toKey };
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand(target));
    try {
      const partSize = Math.max(this.copyPartSize, Math.ceil(size / MAX_PARTS));
      const count = Math.ceil(size / partSize);
      const parts: CompletedPart[] = new Array<CompletedPart>(count);
      let next = 0;
      let failed = false;
      const copyParts = async () => {
        while (next < count && !failed) {
          const index = next++;
          const start = index * partSize;
          const end = Math.min(size, start + partSize) - 1;
          try {
            const result = await this.client.send(
              new UploadPartCopyCommand({
                ...target,
                UploadId,
                PartNumber: index + 1,
                CopySource,
                CopySourceRange: `bytes=${start}-${end}`,
              }),
            );
            parts[index] = { PartNumber: index + 1, ETag: result.CopyPartResult?.ETag };
          } catch (err) {
            failed = true;
            throw err;
          }
        }
      };
      // Four parts at a time; every copier has stopped before the upload is completed or aborted.
      const settled = await Promise.allSettled(
        Array.from({ length: Math.min(4, count) }, copyParts),
      );
      const failure = settled.find((s) => s.status === "rejected");
      if (failure) throw failure.reason;
      await this.client.send(
        new CompleteMultipartUploadCommand({
          ...target,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (err) {
      await this.client
        .send(new AbortMultipartUploadCommand({ ...target, UploadId }))
        .catch(() => undefined);
      throw err;
    }
  }

  /** The blob's size, or undefined when it is not there. */
  private async sizeOf(hash: string): Promise<number | undefined> {
    const Key = this.keyFor(hash);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async getBody(hash: string) {
    const Key = this.keyFor(hash);
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      if (!Body) throw new Error(`GetObject returned no body for ${Key}`);
      return Body;
    } catch (err) {
      if (isNotFound(err)) throw new ArtifactMissingError(hash, this.describe());
      throw err;
    }
  }

  private async deleteObject(Key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
  }
}
