import { S3_STORE_URL, type Env } from "../../lib/env";
import { FsArtifactStore } from "./fs-store";
import { S3ArtifactStore, createS3Client } from "./s3-store";
import type { ByteSource, StoredBlob } from "./streams";

export { assertHash, type ByteSource, type StoredBlob } from "./streams";

/**
 * Content-addressed, immutable blobs named by the SHA-256 of their bytes. Every store:
 * - writes through a temporary location and moves the blob into place under its hash, so a reader
 *   never sees a half-written artifact, and storing the same bytes twice is a no-op;
 * - streams: `putStream`, `putFile`, `openRead` and `downloadTo` never hold a whole blob in memory;
 * - verifies what it reads: `get` and `downloadTo` fail (and `openRead`'s stream errors at its end)
 *   when the bytes do not hash to the name, and `downloadTo` removes its partial file;
 * - refuses a hash that is not 64 lowercase hex digits before any I/O;
 * - names the hash and the store (`describe()`) when an artifact is missing.
 */
export interface ArtifactStore {
  put(bytes: Uint8Array): Promise<StoredBlob>;
  /** Hashes while streaming to a temporary location, then moves the blob into place. */
  putStream(source: ByteSource): Promise<StoredBlob>;
  /** Streams a local file in. */
  putFile(path: string): Promise<StoredBlob>;
  has(hash: string): Promise<boolean>;
  /** The whole blob, verified; for small artifacts (JSON, metrics). */
  get(hash: string): Promise<Buffer>;
  /** A stream of the blob that fails at its end if the bytes do not match the hash. */
  openRead(hash: string): Promise<NodeJS.ReadableStream>;
  /** Streams the blob to a local file (for DuckDB, onnxruntime…), verified on the way. */
  downloadTo(hash: string, path: string): Promise<void>;
  /** Where the blob lives: `file:///…` or `s3://bucket/prefix/sha256/ab/…`. */
  uri(hash: string): string;
  /** The store, for messages: "the filesystem store at …", "the S3 store s3://…". */
  describe(): string;
}

export type ArtifactStoreConfig = Pick<
  Env,
  "ARTIFACT_STORE" | "S3_ENDPOINT" | "S3_FORCE_PATH_STYLE" | "artifactDir"
>;

/** `s3://bucket/some/prefix/` → `{ bucket, prefix: "some/prefix/" }` (prefix "" or ending in /). */
export function parseS3StoreUrl(url: string): { bucket: string; prefix: string } {
  const match = S3_STORE_URL.exec(url);
  if (!match) throw new Error(`Invalid artifact store URL ${url}: expected s3://bucket[/prefix]`);
  const trimmed = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { bucket: match[1]!, prefix: trimmed ? `${trimmed}/` : "" };
}

/**
 * The configured store: S3 (or an S3-compatible server at S3_ENDPOINT) when ARTIFACT_STORE is an
 * s3:// URL, otherwise the filesystem at ARTIFACT_DIR. Credentials and region come from the AWS
 * SDK's own chain (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, profiles, instance roles).
 * Path-style addressing defaults to on with S3_ENDPOINT (what S3-compatible servers expect).
 */
export function createArtifactStore(config: ArtifactStoreConfig): ArtifactStore {
  if (!config.ARTIFACT_STORE) return new FsArtifactStore(config.artifactDir);
  const { bucket, prefix } = parseS3StoreUrl(config.ARTIFACT_STORE);
  const client = createS3Client({
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
    forcePathStyle: config.S3_FORCE_PATH_STYLE ?? config.S3_ENDPOINT !== undefined,
  });
  return new S3ArtifactStore({ client, bucket, prefix, endpoint: config.S3_ENDPOINT });
}
