import path from "node:path";
import { z } from "zod";
import { ConfigError } from "./errors";

// Server-only: every server module reads its configuration here, so a browser bundle that pulls
// one in fails at load instead of shipping secrets' names and server code. (Next's `server-only`
// package throws in plain Node, where the worker, the CLI and the tests run these modules.)
if (typeof window !== "undefined")
  throw new Error("lib/env.ts is server-only: a browser bundle imports server code");

/**
 * The one place environment variables are read. Every variable is documented in the README's
 * configuration table; keep the two in step.
 */
const port = z.coerce.number().int().min(1).max(65535);

/** `s3://bucket` or `s3://bucket/prefix`: the bucket name as S3 allows it, any key prefix. */
export const S3_STORE_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

const flag = z
  .enum(["true", "false", "1", "0"], { error: "must be true, false, 1 or 0" })
  .transform((v) => v === "true" || v === "1");

/** A code node's time limit, in seconds (CODE_MAX_SECONDS, CODE_MAX_CPU_SECONDS). */
const codeSeconds = z.coerce
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 3600);

const schema = z.object({
  DATA_DIR: z.string().default(".data"),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default("default"),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_CLI_PATH: z.string().optional(),
  BWRAP_PATH: z.string().optional(),
  PORT: port.default(3000),
  HOST: z.string().default("127.0.0.1"),
  PG_PORT: port.default(5433),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  ARTIFACT_DIR: z.string().optional(),
  DATA_FILES_DIR: z.string().optional(),
  SECRETS_KEY: z.string().optional(),
  UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 ** 3),
  // User SQL (prep.sql, prep.derive) runs in a process of its own with these (lib/data/user-sql.ts).
  SQL_MEMORY_LIMIT_MIB: z.coerce.number().int().min(64).max(1_048_576).default(2048),
  SQL_THREADS: z.coerce.number().int().min(1).max(256).default(2),
  SQL_TEMP_LIMIT_MIB: z.coerce.number().int().min(0).max(16_777_216).default(10_240),
  ARTIFACT_STORE: z
    .string()
    .regex(
      S3_STORE_URL,
      "must be s3://bucket or s3://bucket/prefix (leave it unset for the filesystem store at ARTIFACT_DIR)",
    )
    .optional(),
  S3_ENDPOINT: z
    .string()
    .url()
    .regex(/^https?:\/\//, "must be an http:// or https:// URL, e.g. http://minio:9000")
    .optional(),
  S3_FORCE_PATH_STYLE: flag.optional(),
  WORKER_QUEUES: z.string().default("cpu,gpu"),
  WORKER_IDENTITY: z.string().optional(),
  WORKER_FORCE_GPU_QUEUE: flag.optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).default(100),
  CODE_PYTHON_PATH: z.string().optional(),
  CODE_PYTHON_INSTALL: flag.optional(),
  // The most a code node may ask for; its params can only lower these (docs/code-nodes.md).
  CODE_MAX_SECONDS: codeSeconds.default(3600),
  CODE_MAX_CPU_SECONDS: codeSeconds.default(3600),
  CODE_MAX_MEMORY_MIB: z.coerce.number().int().min(256).max(1_048_576).default(8192),
  CODE_MAX_OUTPUT_MIB: z.coerce.number().int().min(1).max(1_048_576).default(2048),
  CODE_MAX_DISK_MIB: z.coerce.number().int().min(16).max(16_777_216).default(10_240),
  CODE_MAX_THREADS: z.coerce.number().int().min(16).max(100_000).default(256),
  CODE_SANDBOX_UID: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 2)
    .optional(),
  WEBHOOK_ALLOW_PRIVATE: flag.optional(),
  /** The CLI's remote mode: a running Flowforge's address and an API token for it. */
  FLOWFORGE_URL: z.string().url().optional(),
  FLOWFORGE_TOKEN: z.string().optional(),
  STEP_QUEUE_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(600),
  SERVE_PORT: z.coerce.number().int().min(1).max(65535).default(8400),
  PREDICTION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  APP_URL: z.string().url().optional(),
  AUTH_SECRET: z
    .string()
    .min(32, "must be at least 32 characters (openssl rand -base64 32)")
    .optional(),
  AUTH_SECURE_COOKIES: flag.optional(),
  ADMIN_EMAIL: z.string().email().default("admin@flowforge.local"),
  ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
  SIGNIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(5),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  BENCH_PAGES: flag.optional(),
  NODE_ENV: z.string().default("development"),
});

export type Env = z.infer<typeof schema> & {
  artifactDir: string;
  dataDir: string;
  dataFilesDir: string;
};

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  // An empty variable means "not set", as in most shells' `VAR= cmd`.
  const set = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ""));
  const parsed = schema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `  ${i.path.join(".")}: ${i.message}`)
      .join("\n");
    throw new ConfigError(`Invalid environment configuration:\n${problems}`);
  }
  const dataDir = path.resolve(parsed.data.DATA_DIR);
  cached = {
    ...parsed.data,
    dataDir,
    artifactDir: path.resolve(parsed.data.ARTIFACT_DIR ?? path.join(dataDir, "artifacts")),
    dataFilesDir: path.resolve(parsed.data.DATA_FILES_DIR ?? path.join(dataDir, "files")),
  };
  return cached;
}

/** Values the embedded launcher decided (ports, URLs) are set before any module reads env(). */
export function resetEnvForTests(): void {
  cached = undefined;
}

export function requireDatabaseUrl(): string {
  const url = env().DATABASE_URL;
  if (!url) {
    throw new ConfigError(
      `DATABASE_URL is not set and no \`npm start\` is running with DATA_DIR=${env().dataDir}. Run \`npm start\` for the embedded stack (the CLI also takes --embedded), or set DATABASE_URL=postgres://user:pass@host:5432/db.`,
    );
  }
  return url;
}

export function requireTemporalAddress(): string {
  const address = env().TEMPORAL_ADDRESS;
  if (!address) {
    throw new ConfigError(
      `TEMPORAL_ADDRESS is not set and no \`npm start\` is running with DATA_DIR=${env().dataDir}. Run \`npm start\` for the embedded stack (the CLI also takes --embedded), or set TEMPORAL_ADDRESS=host:7233.`,
    );
  }
  return address;
}

/** The address people reach the web app at (links in e-mails and webhooks, auth's origin). */
export function appUrl(): string {
  const e = env();
  return e.APP_URL ?? `http://${e.HOST === "0.0.0.0" ? "localhost" : e.HOST}:${e.PORT}`;
}
