import { ApplicationFailure, Context } from "@temporalio/activity";
import { WorkflowExecutionAlreadyStartedError } from "@temporalio/client";
import type { ActivityCall } from "../../workflows/run-activity";
import { getTemporalClient, WORKFLOW_TASK_QUEUE } from "./client";
import { ZodError } from "zod";
import { StepInputError } from "../../lib/errors";
import { and, DrizzleQueryError, eq } from "drizzle-orm";
import { childActivities, nodeImplementations, prepOnnx, trainers } from "../../nodes/activities";
import { stepServices } from "./step-services";
import type { StepContext } from "../../nodes/sdk/context";
import type { ArtifactRef, StepActivityInput, StepOutputs } from "../../workflows/plan";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ArtifactStore, StoredBlob } from "../artifacts/store";
import type { Db } from "../db/client";
import { grantArtifacts } from "../auth/access";
import { whileDatabaseUnavailable } from "../db/outage";
import { artifacts, experiments, pipelines, runs, runSteps, stepLogs } from "../db/schema";

interface Deps {
  db: Db;
  store: ArtifactStore;
  identity: string;
  /** Parent of every step attempt's work directory; defaults to the system's temp directory. */
  workRoot?: string;
}

const PROGRESS_WRITE_INTERVAL_MS = 1000;
const HEARTBEAT_INTERVAL_MS = 1000;
const LOG_FLUSH_MS = 500;
const LOG_BATCH = 500;

/**
 * Wraps every node implementation as a Temporal activity named after its node type. The wrapper
 * records the attempt, the worker and the outcome on the step's row; writes are keyed by run id
 * and step id, so a retried attempt overwrites its own row and never duplicates it. Artifacts are
 * content-addressed, so writing one twice is a no-op. Idempotency of each step's own side effects
 * is stated at its node's activity.
 */
export function createStepActivities(
  deps: Deps,
): Record<string, (input: StepActivityInput) => Promise<StepOutputs>> {
  const entries = Object.entries(nodeImplementations).map(([type, impl]) => [
    type,
    async (input: StepActivityInput): Promise<StepOutputs> => {
      const actx = Context.current();
      const { attempt } = actx.info;
      // The step's own writes wait out a database restart instead of failing the attempt: with
      // a node's few retries, a short outage would otherwise fail the step and the run.
      const write = <T>(fn: () => Promise<T>) =>
        whileDatabaseUnavailable(fn, { signal: actx.cancellationSignal });
      let lastProgress: () => unknown = () => undefined;
      // Heartbeats carry liveness (a dead worker is noticed within the heartbeat timeout) and bring
      // cancellation to the node through ctx.signal, even when the node reports no progress; they
      // start first, so waiting for the database keeps the attempt alive.
      const beat = setInterval(() => actx.heartbeat(lastProgress()), HEARTBEAT_INTERVAL_MS);
      try {
        const where = and(eq(runSteps.runId, input.runId), eq(runSteps.stepId, input.stepId));
        await write(() =>
          deps.db
            .update(runSteps)
            .set({
              status: "running",
              attempts: attempt,
              workerIdentity: deps.identity,
              startedAt: new Date(),
              error: null,
            })
            .where(where),
        );
        // Later writes belong to this attempt only: an attempt Temporal has given up on (heartbeat
        // timeout) may still be running, and must not overwrite its successor's row or the failure
        // the workflow recorded.
        const mine = and(where, eq(runSteps.attempts, attempt), eq(runSteps.status, "running"));

        let lastProgressWrite = 0;
        const { ctx, cleanup } = await openStepContext(deps, input, actx, (p) => {
          const now = Date.now();
          if (now - lastProgressWrite < PROGRESS_WRITE_INTERVAL_MS) return;
          lastProgressWrite = now;
          void deps.db
            .update(runSteps)
            .set({ progress: p })
            .where(mine)
            .catch(() => undefined);
        });
        lastProgress = () => cleanup.lastProgress();
        try {
          const outputs = await impl.activity(ctx);
          // Logs first: whoever sees the step finished also sees everything it logged.
          await cleanup.flushLogs();
          await write(() =>
            deps.db
              .update(runSteps)
              .set({ status: "succeeded", outputs, finishedAt: new Date() })
              .where(mine),
          );
          return outputs;
        } catch (err) {
          const message = actx.cancellationSignal.aborted
            ? `cancelled (${String((actx.cancellationSignal.reason as Error | undefined)?.message ?? "requested")})`
            : errorText(err);
          await cleanup.flushLogs();
          // The workflow records the failure too: a database still away must not hide this error.
          await write(() =>
            deps.db
              .update(runSteps)
              .set({ error: `attempt ${attempt}: ${message}` })
              .where(mine),
          ).catch(() => undefined);
          // Bad input stays bad: fail now instead of retrying.
          if (err instanceof StepInputError || err instanceof ZodError) {
            throw ApplicationFailure.nonRetryable(
              err instanceof ZodError ? `Invalid params: ${message}` : message,
              err.name,
            );
          }
          throw err;
        } finally {
          await cleanup.remove();
        }
      } finally {
        clearInterval(beat);
      }
    },
  ]);
  // Child activities (a tune step's trials) touch no step row: they write through the same
  // StepContext, so artifacts by hash and experiment rows by run, step and trial.
  const children = Object.entries(childActivities).map(([name, impl]) => [
    name,
    async (input: StepActivityInput): Promise<unknown> => {
      const actx = Context.current();
      const { ctx, cleanup } = await openStepContext(deps, input, actx, () => undefined);
      const beat = setInterval(() => actx.heartbeat(cleanup.lastProgress()), HEARTBEAT_INTERVAL_MS);
      try {
        return await impl(ctx);
      } catch (err) {
        if (err instanceof StepInputError || err instanceof ZodError)
          throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      } finally {
        clearInterval(beat);
        await cleanup.remove();
      }
    },
  ]);
  return Object.fromEntries([...entries, ...children]) as Record<
    string,
    (input: StepActivityInput) => Promise<StepOutputs>
  >;
}

/** An error's message; a failed query's with the driver's reason, which drizzle's message lacks. */
function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err instanceof DrizzleQueryError && err.cause instanceof Error
    ? `${err.message.split("\n")[0]}: ${err.cause.message}`
    : err.message;
}

/** The StepContext of one attempt: its own work directory, artifact I/O, progress and tracking. */
async function openStepContext(
  deps: Deps,
  input: StepActivityInput,
  actx: Context,
  onProgress: (p: { done: number; total: number; unit?: string }) => void,
): Promise<{
  ctx: StepContext;
  cleanup: { lastProgress(): unknown; flushLogs(): Promise<void>; remove(): Promise<void> };
}> {
  let lastProgress: unknown = undefined;
  // Log lines are written in batches, off the step's path; the last batch when the step ends. Each
  // batch is inserted once and carries its attempt, so a retry appends its own lines to the run's.
  const logs: (typeof stepLogs.$inferInsert)[] = [];
  let writing = Promise.resolve();
  const flushLogs = () => {
    const batch = logs.splice(0);
    if (batch.length)
      writing = writing.then(() =>
        deps.db
          .insert(stepLogs)
          .values(batch)
          .then(() => undefined)
          .catch(() => undefined),
      );
    return writing;
  };
  const logTimer = setInterval(() => void flushLogs(), LOG_FLUSH_MS);
  const workDir = await mkdtemp(
    path.join(deps.workRoot ?? os.tmpdir(), `flowforge-${input.stepId.slice(0, 40)}-`),
  );
  const write = <T>(fn: () => Promise<T>) =>
    whileDatabaseUnavailable(fn, { signal: actx.cancellationSignal });
  const [owner] = await write(() =>
    deps.db
      .select({ workspaceId: pipelines.workspaceId })
      .from(runs)
      .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
      .where(eq(runs.id, input.runId)),
  );
  if (!owner) throw new Error(`Run ${input.runId} does not exist`);
  const recordArtifact = async (
    blob: StoredBlob,
    kind: string,
    metadata: Record<string, unknown>,
  ) => {
    await write(() =>
      deps.db
        .insert(artifacts)
        .values({
          hash: blob.hash,
          kind,
          sizeBytes: blob.sizeBytes,
          uri: deps.store.uri(blob.hash),
          metadata,
          producedByRunId: input.runId,
          producedByStepId: input.stepId,
        })
        .onConflictDoNothing(),
    );
    await write(() => grantArtifacts(deps.db, owner.workspaceId, [blob.hash]));
    return { hash: blob.hash, kind, sizeBytes: blob.sizeBytes } satisfies ArtifactRef;
  };
  const ctx: StepContext = {
    workDir,
    async inputPath(port) {
      const ref = input.inputs[port];
      if (!ref) throw new Error(`Step ${input.stepId} has no input on port "${port}"`);
      const local = path.join(
        workDir,
        `input-${port.replace(/[^A-Za-z0-9_-]/g, "_")}.${ref.kind === "dataset" ? "parquet" : "bin"}`,
      );
      await deps.store.downloadTo(ref.hash, local);
      return local;
    },
    async artifactPath(hash, filename) {
      const local = path.join(
        workDir,
        `artifact-${filename.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 100)}`,
      );
      await deps.store.downloadTo(hash, local);
      return local;
    },
    async writeFile(kind, localPath, metadata = {}) {
      return recordArtifact(await deps.store.putFile(localPath), kind, metadata);
    },
    runId: input.runId,
    stepId: input.stepId,
    workspaceId: owner.workspaceId,
    attempt: actx.info.attempt,
    params: input.params,
    inputs: input.inputs,
    signal: actx.cancellationSignal,
    async inputMetadata(port) {
      const ref = input.inputs[port];
      if (!ref) throw new Error(`Step ${input.stepId} has no input on port "${port}"`);
      const [row] = await write(() =>
        deps.db
          .select({ metadata: artifacts.metadata })
          .from(artifacts)
          .where(eq(artifacts.hash, ref.hash)),
      );
      return (row?.metadata ?? {}) as Record<string, unknown>;
    },
    async readJson(port) {
      const ref = input.inputs[port];
      if (!ref) throw new Error(`Step ${input.stepId} has no input on port "${port}"`);
      return JSON.parse((await deps.store.get(ref.hash)).toString("utf8")) as unknown;
    },
    async writeJson(kind, value) {
      return recordArtifact(await deps.store.put(Buffer.from(JSON.stringify(value))), kind, {});
    },
    progress(p) {
      lastProgress = p;
      actx.heartbeat(p);
      onProgress(p);
    },
    services: stepServices(
      deps.db,
      { runId: input.runId, workspaceId: owner.workspaceId },
      { trainers, prepOnnx },
    ),
    runChild: (activity, key, childInput, options) =>
      runChildActivity(input, activity, key, childInput, options, actx.cancellationSignal),
    gpu: actx.info.taskQueue === "gpu",
    async track(entry) {
      const row = {
        runId: input.runId,
        stepId: input.stepId,
        trial: entry.trial ?? -1,
        algorithm: entry.algorithm,
        params: entry.params,
        metrics: entry.metrics,
        curve: entry.curve,
        score: entry.score ?? null,
        modelHash: entry.modelHash ?? null,
        provider: entry.provider ?? null,
        workerIdentity: deps.identity,
      };
      await write(() =>
        deps.db
          .insert(experiments)
          .values(row)
          .onConflictDoUpdate({
            target: [experiments.runId, experiments.stepId, experiments.trial],
            set: { ...row, createdAt: new Date() },
          }),
      );
    },
    log(message) {
      actx.log.info(message, { runId: input.runId, stepId: input.stepId });
      logs.push({
        runId: input.runId,
        stepId: input.stepId,
        attempt: actx.info.attempt,
        at: new Date(),
        message: message.slice(0, 10_000),
      });
      if (logs.length >= LOG_BATCH) void flushLogs();
    },
  };

  return {
    ctx,
    cleanup: {
      lastProgress: () => lastProgress,
      flushLogs,
      remove: async () => {
        clearInterval(logTimer);
        await flushLogs();
        await rm(workDir, { recursive: true, force: true });
      },
    },
  };
}

/**
 * Runs an activity as its own workflow (workflows/run-activity.ts), keyed by run, step and key: a
 * retried step attaches to the calls it already started, or reads their results. Cancelling the
 * step cancels them.
 */
async function runChildActivity(
  parent: StepActivityInput,
  activity: string,
  key: string,
  input: unknown,
  options: { taskQueue: string; timeoutMs: number; heartbeatMs?: number; retries?: number },
  signal: AbortSignal,
): Promise<unknown> {
  const client = await getTemporalClient();
  const workflowId = `${parent.runId}:${parent.stepId}:${key}`;
  const call: ActivityCall = {
    activity,
    // The child is a step of the same run: it sees the parent's inputs, and `input` as its params.
    input: { runId: parent.runId, stepId: parent.stepId, params: input, inputs: parent.inputs },
    taskQueue: options.taskQueue,
    startToCloseTimeoutMs: options.timeoutMs,
    heartbeatTimeoutMs: options.heartbeatMs ?? 60_000,
    maximumAttempts: (options.retries ?? 1) + 1,
  };
  let handle;
  try {
    handle = await client.workflow.start("runActivity", {
      args: [call],
      taskQueue: WORKFLOW_TASK_QUEUE,
      workflowId,
      workflowIdConflictPolicy: "USE_EXISTING",
      workflowIdReusePolicy: "REJECT_DUPLICATE",
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    handle = client.workflow.getHandle(workflowId);
  }
  const cancel = () => void handle.cancel().catch(() => undefined);
  signal.addEventListener("abort", cancel, { once: true });
  try {
    return await handle.result();
  } catch (err) {
    // The child's own error (the trial's), not "Workflow execution failed", is what the user needs.
    let cause: unknown = err;
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
    const message = `${key}: ${cause instanceof Error ? cause.message : String(cause)}`;
    if (cause instanceof ApplicationFailure && cause.nonRetryable)
      throw ApplicationFailure.nonRetryable(message, cause.type ?? "ChildFailed");
    throw new Error(message, { cause: err });
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}
