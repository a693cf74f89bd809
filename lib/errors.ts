/**
 * Flowforge's domain errors, all in this one module, each with the situation it is thrown in.
 *
 * Every error extends one of a few base classes, and the base class alone says what a boundary
 * answers: `trpcCodeOf` below for tRPC, and the HTTP handlers under server/api and server/serving
 * by the same classes. A new error picks its base here; no boundary lists errors one by one.
 *
 * This module imports nothing, so anything may import it: lib/data, lib/ml, the worker, the
 * CLI. (Temporal workflow code keeps its own errors: it must stay sandbox-safe.)
 *
 * Not here: PipelineFileError stays in common/pipeline/parse.ts, because common/ is shared with
 * the browser and imports no server code; trpc.ts maps it to BAD_REQUEST by its type.
 */

/** The root of Flowforge's own errors: the message is written for the person who must act on it. */
export class DomainError extends Error {
  override name = "DomainError";
}

/**
 * The caller's input (a request, a document, a step's data or params) is wrong: the same call
 * fails again.
 */
export class InvalidInputError extends DomainError {
  override name = "InvalidInputError";
}

/** What was asked for does not exist, or is not the caller's to see. */
export class NotFoundError extends DomainError {
  override name = "NotFoundError";
}

/** What was asked for exists, but its current state does not allow the change. */
export class ConflictError extends DomainError {
  override name = "ConflictError";
}

/** Nobody is signed in (no session, or an expired one). */
export class UnauthorizedError extends DomainError {
  override name = "UnauthorizedError";
}

/** The caller is known but may not do this. */
export class ForbiddenError extends DomainError {
  override name = "ForbiddenError";
}

/**
 * Something Flowforge needs (a setting, a tool, the sandbox, room on disk) is missing or broken:
 * nothing is wrong with the request, and it works once an operator fixes the server.
 */
export class UnavailableError extends DomainError {
  override name = "UnavailableError";
}

/** Data Flowforge recorded is gone or damaged: the server's fault, never the caller's. */
export class IntegrityError extends DomainError {
  override name = "IntegrityError";
}

/** The tRPC error codes domain errors become (a subset of tRPC's TRPC_ERROR_CODE_KEY). */
export type TrpcCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "SERVICE_UNAVAILABLE"
  | "INTERNAL_SERVER_ERROR";

/**
 * The tRPC code for a domain error, by its base class; null for anything else (a bug, a library's
 * error), which tRPC reports as INTERNAL_SERVER_ERROR.
 */
export function trpcCodeOf(err: unknown): TrpcCode | null {
  if (!(err instanceof DomainError)) return null;
  if (err instanceof InvalidInputError) return "BAD_REQUEST";
  if (err instanceof NotFoundError) return "NOT_FOUND";
  if (err instanceof ConflictError) return "CONFLICT";
  if (err instanceof UnauthorizedError) return "UNAUTHORIZED";
  if (err instanceof ForbiddenError) return "FORBIDDEN";
  if (err instanceof UnavailableError) return "SERVICE_UNAVAILABLE";
  return "INTERNAL_SERVER_ERROR";
}

// ---- Invalid input ---------------------------------------------------------------------------

/**
 * A problem with the step's input (data, params, SQL) that another attempt cannot fix: the step
 * fails at once, without retries, with this message.
 */
export class StepInputError extends InvalidInputError {
  override name = "StepInputError";
}

/**
 * A trained model or its recorded preprocessing cannot be written as ONNX (a column no step
 * produces, a step no node can export): thrown by lib/ml/onnx and the nodes' ONNX writers; a
 * training step reports it as a StepInputError.
 */
export class ExportError extends InvalidInputError {
  override name = "ExportError";
}

/**
 * An upload request is wrong: a malformed upload id or file name, an empty file or one over
 * UPLOAD_MAX_BYTES, a chunk at the wrong offset or past the declared size, completing before every
 * byte arrived, or an upload that is gone. 400 at /api/uploads; a StepInputError in an ingest step.
 */
export class UploadError extends StepInputError {
  override name = "UploadError";
}

/** A file an ingest step reads is empty, not in the format it claims, or has no columns. */
export class IngestError extends StepInputError {
  override name = "IngestError";
}

/** A step's params name columns its input dataset does not have; the message lists those it has. */
export class ColumnError extends StepInputError {
  override name = "ColumnError";
}

/**
 * A path a person typed (a file in the data directory) is empty, absolute, has `..` or a NUL byte,
 * names no file, or leads outside the data directory once symlinks are followed.
 */
export class PathError extends StepInputError {
  override name = "PathError";
}

/**
 * A file the sandboxed code left in its step directory is refused on the way out: a symlink, a
 * FIFO or device, hard-linked, on another file system, over its size limit, or not valid JSON.
 */
export class ReadBackError extends InvalidInputError {
  override name = "ReadBackError";
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file} was refused: ${problem}`);
  }
}

/**
 * One problem in a pipeline document: the shape of common/pipeline/validate's ValidationError,
 * restated here so that this module imports nothing.
 */
export interface PipelineProblem {
  nodeId?: string;
  port?: string;
  param?: string;
  code: string;
  message: string;
}

/**
 * A pipeline document fails validation when it is saved or compiled; `errors` are the validator's
 * structured problems, which tRPC sends along as `data.validationErrors`.
 */
export class PipelineInvalidError extends InvalidInputError {
  override name = "PipelineInvalidError";
  constructor(readonly errors: PipelineProblem[]) {
    super(`The pipeline is invalid:\n${errors.map((e) => `  - ${e.message}`).join("\n")}`);
  }
}

/** A dataset preview was asked of an artifact that is not a dataset (a model, metrics, …). */
export class NotADatasetError extends InvalidInputError {
  override name = "NotADatasetError";
}

/** A schedule's cron expression or time zone is not one Temporal accepts. */
export class ScheduleInputError extends InvalidInputError {
  override name = "ScheduleInputError";
}

/**
 * A change to people that cannot be made as asked: a password under 8 characters, an email that
 * already has a user, adding someone with no account without a password, a member who is not in
 * the workspace, or removing a workspace's last admin.
 */
export class PeopleError extends InvalidInputError {
  override name = "PeopleError";
}

/**
 * An alert webhook address is not allowed: not an http(s) URL, or (unless WEBHOOK_ALLOW_PRIVATE)
 * a loopback, private, link-local or other internal address, checked as the connection is made.
 */
export class WebhookUrlError extends InvalidInputError {
  override name = "WebhookUrlError";
}

/** A serving request does not fit the model's signature: 400, naming the field. */
export class PayloadError extends InvalidInputError {
  override name = "PayloadError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

// ---- Conflict --------------------------------------------------------------------------------

/**
 * A deploy to an endpoint that serves production under another alias: only an approved
 * production deploy (or a manager's promote and rollback) may change what production serves.
 */
export class ProductionApprovalRequiredError extends ConflictError {
  override name = "ProductionApprovalRequiredError";
}

/** A deploy names an endpoint another workspace owns (endpoint names are URLs, one namespace). */
export class DeploymentNameTakenError extends ConflictError {
  override name = "DeploymentNameTakenError";
}

// ---- Forbidden -------------------------------------------------------------------------------

/**
 * A state-changing request with a session cookie did not come from Flowforge's own pages: its
 * Origin (or Sec-Fetch-Site) names another site. 403 at every HTTP route that takes a session.
 */
export class CsrfError extends ForbiddenError {
  override name = "CsrfError";
}

// ---- Unavailable -----------------------------------------------------------------------------

/**
 * The environment variables are invalid, or a setting a command needs (DATABASE_URL,
 * TEMPORAL_ADDRESS) is unset.
 */
export class ConfigError extends UnavailableError {
  override name = "ConfigError";
}

/**
 * The embedded stack (PostgreSQL, Temporal, a worker) could not start: a port is taken, a tool is
 * missing, a server did not come up. The message tells the person at the terminal what to do, and
 * is printed without a stack.
 */
export class StartupError extends UnavailableError {
  override name = "StartupError";
}

/**
 * A command-line tool Flowforge runs (the Temporal CLI, …) is not installed and could not be
 * fetched.
 */
export class ToolNotFoundError extends UnavailableError {
  override name = "ToolNotFoundError";
}

/**
 * The code-step sandbox (bubblewrap) cannot run on this worker, or failed to set itself up before
 * any code ran; a code step reports it as a StepInputError.
 */
export class SandboxUnavailableError extends UnavailableError {
  override name = "SandboxUnavailableError";
}

/** A write ran out of room (ENOSPC, or EDQUOT for a quota): says so, and which store is full. */
export class ArtifactStoreFullError extends UnavailableError {
  override name = "ArtifactStoreFullError";
  constructor(
    readonly store: string,
    readonly code: string,
    cause: unknown,
  ) {
    super(
      `No space left on device: ${store} is full (${code}) and the artifact was not stored; free space or grow the disk, then resume the run`,
      { cause },
    );
  }
}

// ---- Integrity -------------------------------------------------------------------------------

/** An artifact the database records is missing from the artifact store. */
export class ArtifactMissingError extends IntegrityError {
  override name = "ArtifactMissingError";
  constructor(
    readonly hash: string,
    readonly store: string,
  ) {
    super(`Artifact ${hash} is missing from ${store}`);
  }
}

/** An artifact's bytes no longer hash to its name: the store's copy is damaged. */
export class ArtifactCorruptError extends IntegrityError {
  override name = "ArtifactCorruptError";
  constructor(
    readonly hash: string,
    readonly store: string,
    readonly actual: string,
  ) {
    super(`Artifact ${hash} in ${store} is corrupt (its bytes hash to ${actual})`);
  }
}
