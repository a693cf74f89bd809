import { sql } from "drizzle-orm";
import type { Role } from "../../common/roles";
import { stepStatuses, type StepStatus } from "../../workflows/plan";
import { runStatusList } from "../../common/run-status";

export { stepStatuses, type StepStatus };
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();

/** People. users, sessions, accounts and verifications are Better Auth's tables (server/auth). */
export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  emailVerified: boolean("email_verified").notNull().default(false),
  image: text("image"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    token: text("token").notNull().unique(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** Credentials: for email and password sign-in, providerId "credential" and a scrypt hash. */
export const accounts = pgTable(
  "accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: timestamp("access_token_expires_at", { withTimezone: true }),
    refreshTokenExpiresAt: timestamp("refresh_token_expires_at", { withTimezone: true }),
    scope: text("scope"),
    password: text("password"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("accounts_user_idx").on(t.userId)],
);

export const verifications = pgTable("verifications", {
  id: uuid("id").primaryKey().defaultRandom(),
  identifier: text("identifier").notNull(),
  value: text("value").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export { roles, type Role } from "../../common/roles";

/** Everything a team builds lives in a workspace; a person has one role in each of theirs. */
export const workspaces = pgTable("workspaces", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  /** Four eyes: whoever approves a run's gated step is not whoever started the run. */
  fourEyes: boolean("four_eyes").notNull().default(true),
  /** Where the worker POSTs `approval.pending` when a run starts waiting for a decision. */
  approvalWebhook: text("approval_webhook"),
  createdAt: createdAt(),
});

/**
 * API tokens: a person's own (acting as them, capped at a role) or a workspace service account's
 * (a user row that cannot sign in). Only the SHA-256 of a token is kept; it is shown once.
 */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").$type<"personal" | "service">().notNull(),
    name: text("name").notNull(),
    role: text("role").$type<Role>().notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    /** The token's first characters, to tell tokens apart in lists. */
    prefix: text("prefix").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [index("api_tokens_workspace_idx").on(t.workspaceId, t.userId)],
);

export const memberships = pgTable(
  "memberships",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").$type<Role>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.userId] }),
    index("memberships_user_idx").on(t.userId),
  ],
);

/** Who did what, and when: saves, runs, approvals, deployments, role changes. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    workspaceId: uuid("workspace_id").references(() => workspaces.id, { onDelete: "cascade" }),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    actorEmail: text("actor_email").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("audit_log_workspace_idx").on(t.workspaceId, t.at)],
);

export const pipelines = pgTable("pipelines", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  workspaceId: uuid("workspace_id")
    .notNull()
    .references(() => workspaces.id),
  createdBy: uuid("created_by").references(() => users.id),
  /** The runs list's headline, "test.accuracy" or "validation.rmse"; null: test, else validation. */
  keyMetric: text("key_metric"),
  createdAt: createdAt(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  deletedAt: timestamp("deleted_at", { withTimezone: true }),
});

/** Immutable: a save inserts a new row, nothing ever updates one. */
export const pipelineVersions = pgTable(
  "pipeline_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    pipelineId: uuid("pipeline_id")
      .notNull()
      .references(() => pipelines.id),
    version: integer("version").notNull(),
    contentHash: text("content_hash").notNull(),
    graph: jsonb("graph").notNull(),
    message: text("message").notNull().default(""),
    createdBy: uuid("created_by").references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("pipeline_versions_pipeline_version_idx").on(t.pipelineId, t.version),
    index("pipeline_versions_hash_idx").on(t.pipelineId, t.contentHash),
  ],
);

export const runStatuses = runStatusList;
export type RunStatus = (typeof runStatuses)[number];

export const runs = pgTable(
  "runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    pipelineId: uuid("pipeline_id")
      .notNull()
      .references(() => pipelines.id),
    pipelineVersionId: uuid("pipeline_version_id")
      .notNull()
      .references(() => pipelineVersions.id),
    workflowId: text("workflow_id").notNull().unique(),
    status: text("status").$type<RunStatus>().notNull().default("queued"),
    planHash: text("plan_hash").notNull(),
    plan: jsonb("plan").notNull(),
    error: text("error"),
    triggeredBy: uuid("triggered_by").references(() => users.id),
    trigger: text("trigger").notNull().default("api"),
    tags: jsonb("tags").$type<string[]>().notNull().default([]),
    cacheEnabled: boolean("cache_enabled").notNull().default(true),
    forceSteps: jsonb("force_steps").$type<string[]>().notNull().default([]),
    resumedFromRunId: uuid("resumed_from_run_id"),
    createdAt: createdAt(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("runs_pipeline_idx").on(t.pipelineId, t.createdAt)],
);

export const runSteps = pgTable(
  "run_steps",
  {
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    stepId: text("step_id").notNull(),
    nodeType: text("node_type").notNull(),
    status: text("status").$type<StepStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    taskQueue: text("task_queue").notNull(),
    workerIdentity: text("worker_identity"),
    cacheHit: boolean("cache_hit").notNull().default(false),
    cacheKey: text("cache_key"),
    cacheKeyParts: jsonb("cache_key_parts"),
    /** Why the step executed instead of reusing a cached output, or where a cached output came from. */
    cacheReason: text("cache_reason"),
    approval: jsonb("approval").$type<{
      approved: boolean;
      by: string;
      at: string;
      comment?: string;
    }>(),
    outputs: jsonb("outputs"),
    error: text("error"),
    progress: jsonb("progress"),
    queuedAt: timestamp("queued_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.stepId] }),
    index("run_steps_cache_key_idx").on(t.cacheKey),
  ],
);

export const artifacts = pgTable(
  "artifacts",
  {
    hash: text("hash").primaryKey(),
    kind: text("kind").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    uri: text("uri").notNull(),
    metadata: jsonb("metadata")
      .notNull()
      .default(sql`'{}'::jsonb`),
    producedByRunId: uuid("produced_by_run_id").references(() => runs.id, {
      onDelete: "set null",
    }),
    producedByStepId: text("produced_by_step_id"),
    createdAt: createdAt(),
  },
  (t) => [index("artifacts_run_idx").on(t.producedByRunId)],
);

/** Workers announce themselves here so /api/health can show each one's GPUs. */
export const workers = pgTable("workers", {
  identity: text("identity").primaryKey(),
  queues: jsonb("queues").$type<string[]>().notNull(),
  gpus: jsonb("gpus").$type<{ index: number; name: string; memoryMiB: number }[]>().notNull(),
  /** onnxruntime execution providers that opened a session on this worker, best first. */
  providers: jsonb("providers").$type<string[]>().notNull().default([]),
  /** What code nodes find here: Python, pandas, and whether the sandbox works. */
  runtimes: jsonb("runtimes").$type<Record<string, unknown>>().notNull().default({}),
  hostname: text("hostname").notNull(),
  pid: integer("pid").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull(),
  stoppedAt: timestamp("stopped_at", { withTimezone: true }),
});

/** External data sources for ingest. The password is stored encrypted (server/secrets.ts). */
export const connections = pgTable(
  "connections",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    name: text("name").notNull(),
    kind: text("kind").$type<"postgres">().notNull().default("postgres"),
    host: text("host").notNull(),
    port: integer("port").notNull().default(5432),
    database: text("database").notNull(),
    user: text("user").notNull(),
    passwordEncrypted: text("password_encrypted"),
    ssl: boolean("ssl").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("connections_workspace_name_idx").on(t.workspaceId, t.name)],
);

/**
 * Experiment tracking: one row per training step, and per trial of a tune step (trial -1 is the
 * step itself), written idempotently by run, step and trial, so a retried attempt replaces its row.
 */
export const experiments = pgTable(
  "experiments",
  {
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    stepId: text("step_id").notNull(),
    trial: integer("trial").notNull().default(-1),
    algorithm: text("algorithm").notNull(),
    params: jsonb("params").$type<Record<string, unknown>>().notNull(),
    metrics: jsonb("metrics").$type<Record<string, unknown>>().notNull(),
    curve: jsonb("curve")
      .$type<{ iteration: number; train: number; validation?: number }[]>()
      .notNull(),
    /** The trial's or step's headline metric, for sorting and charts. */
    score: jsonb("score").$type<{ name: string; value: number; higherIsBetter: boolean }>(),
    modelHash: text("model_hash"),
    workerIdentity: text("worker_identity"),
    provider: text("provider"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.stepId, t.trial] })],
);

/** The model registry: a named model, its versions (ONNX artifacts) and its aliases. */
export const models = pgTable(
  "models",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("models_workspace_name_idx").on(t.workspaceId, t.name)],
);

export const modelVersions = pgTable(
  "model_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    modelId: uuid("model_id")
      .notNull()
      .references(() => models.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    artifactHash: text("artifact_hash")
      .notNull()
      .references(() => artifacts.hash),
    algorithm: text("algorithm").notNull(),
    signature: jsonb("signature").$type<Record<string, unknown>>().notNull(),
    metrics: jsonb("metrics").$type<Record<string, unknown>>().notNull(),
    /** Run, step, pipeline version and dataset hashes that produced it. */
    lineage: jsonb("lineage").$type<Record<string, unknown>>().notNull(),
    /** Per-input reference distributions from the training data, for drift monitoring. */
    reference: jsonb("reference").$type<Record<string, unknown>>(),
    /** The model card's written parts and the column its per-group table groups by. */
    card: jsonb("card")
      .$type<{ intendedUse?: string; limitations?: string; groupBy?: string | null }>()
      .notNull()
      .default({}),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("model_versions_number_idx").on(t.modelId, t.version),
    uniqueIndex("model_versions_artifact_idx").on(t.modelId, t.artifactHash),
  ],
);

export const modelAliases = pgTable(
  "model_aliases",
  {
    modelId: uuid("model_id")
      .notNull()
      .references(() => models.id, { onDelete: "cascade" }),
    alias: text("alias").notNull(),
    versionId: uuid("version_id")
      .notNull()
      .references(() => modelVersions.id),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.modelId, t.alias] })],
);

/**
 * Every change of what serves: alias moves and deployment changes, with who and when. Keyed by an
 * idempotency key (run and step, or a request id) so a retried deploy does not record twice.
 */
export const servingAudit = pgTable(
  "serving_audit",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    idempotencyKey: text("idempotency_key").notNull().unique(),
    modelId: uuid("model_id").references(() => models.id, { onDelete: "cascade" }),
    deploymentId: uuid("deployment_id"),
    alias: text("alias"),
    action: text("action").notNull(),
    versionId: uuid("version_id"),
    previousVersionId: uuid("previous_version_id"),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull().default({}),
    actor: text("actor").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("serving_audit_model_idx").on(t.modelId, t.at)],
);

export type DeploymentStrategy = "replace" | "canary" | "shadow";

/** A named endpoint: which version serves, and a challenger for canary or shadow traffic. */
export const deployments = pgTable("deployments", {
  id: uuid("id").primaryKey().defaultRandom(),
  workspaceId: uuid("workspace_id")
    .notNull()
    .references(() => workspaces.id),
  name: text("name").notNull().unique(),
  modelId: uuid("model_id")
    .notNull()
    .references(() => models.id),
  alias: text("alias").notNull(),
  strategy: text("strategy").$type<DeploymentStrategy>().notNull().default("replace"),
  primaryVersionId: uuid("primary_version_id")
    .notNull()
    .references(() => modelVersions.id),
  challengerVersionId: uuid("challenger_version_id").references(() => modelVersions.id),
  /** Canary: percent of requests the challenger answers. */
  challengerPercent: integer("challenger_percent").notNull().default(0),
  /** The previous primary, for one-click rollback. */
  previousVersionId: uuid("previous_version_id").references(() => modelVersions.id),
  apiKeyHash: text("api_key_hash").notNull(),
  rateLimitPerMinute: integer("rate_limit_per_minute").notNull().default(600),
  /** Bumped on every change; servers poll it to swap sessions. */
  revision: integer("revision").notNull().default(1),
  createdAt: createdAt(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const predictions = pgTable(
  "predictions",
  {
    id: uuid("id").primaryKey(),
    deploymentId: uuid("deployment_id")
      .notNull()
      .references(() => deployments.id, { onDelete: "cascade" }),
    versionId: uuid("version_id").notNull(),
    /** primary, canary (the challenger answered) or shadow (mirrored; not returned). */
    role: text("role").notNull(),
    inputs: jsonb("inputs").$type<Record<string, unknown>>().notNull(),
    outputs: jsonb("outputs").$type<Record<string, unknown>>().notNull(),
    latencyMs: integer("latency_ms").notNull(),
    feedback: jsonb("feedback"),
    feedbackAt: timestamp("feedback_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index("predictions_deployment_idx").on(t.deploymentId, t.createdAt)],
);

/** Refused and failed requests per deployment, minute and HTTP status (successes are predictions). */
export const endpointErrors = pgTable(
  "endpoint_errors",
  {
    deploymentId: uuid("deployment_id")
      .notNull()
      .references(() => deployments.id, { onDelete: "cascade" }),
    minute: timestamp("minute", { withTimezone: true }).notNull(),
    status: integer("status").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.deploymentId, t.minute, t.status] })],
);

/** One examination of a deployment's recent predictions by its monitor. */
export const monitorResults = pgTable(
  "monitor_results",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** The scheduled check's workflow id: one result per check, however often it is retried. */
    checkKey: text("check_key").notNull().unique(),
    deploymentId: uuid("deployment_id")
      .notNull()
      .references(() => deployments.id, { onDelete: "cascade" }),
    versionId: uuid("version_id").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    windowEnd: timestamp("window_end", { withTimezone: true }).notNull(),
    rows: integer("rows").notNull(),
    features: jsonb("features").$type<Record<string, unknown>[]>().notNull(),
    prediction: jsonb("prediction").$type<Record<string, unknown>>(),
    performance: jsonb("performance").$type<Record<string, unknown>>(),
    alerts: jsonb("alerts")
      .$type<{ kind: string; message: string; feature?: string }[]>()
      .notNull(),
    retrainRunId: uuid("retrain_run_id"),
    createdAt: createdAt(),
  },
  (t) => [index("monitor_results_deployment_idx").on(t.deploymentId, t.createdAt)],
);

/** What steps logged (ctx.log, code nodes' output), per attempt, kept with the run and searchable. */
export const stepLogs = pgTable(
  "step_logs",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    stepId: text("step_id").notNull(),
    attempt: integer("attempt").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    message: text("message").notNull(),
  },
  (t) => [index("step_logs_run_idx").on(t.runId, t.stepId, t.id)],
);

/** Which artifacts a workspace may read: what its runs produced or reused, and its uploads. */
export const workspaceArtifacts = pgTable(
  "workspace_artifacts",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    hash: text("hash").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.hash] })],
);
