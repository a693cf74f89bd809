import { parseArgs } from "node:util";
import { and, eq, isNull } from "drizzle-orm";
import { closeDb, getDb } from "../db/client";
import { pipelines } from "../db/schema";
import { StartupError } from "../embedded/errors";
import { startEmbeddedStack, stackOptionsFromEnv, type EmbeddedStack } from "../embedded/stack";
import { ConfigError, resetEnvForTests } from "../env";
import { readPipelineFile, PipelineFileError } from "../pipeline/load";
import { validatePipeline } from "../pipeline/validate";
import { checkHealth } from "../services/health";
import { savePipeline } from "../services/pipelines";
import { getRun, startRun, waitForRun } from "../services/runs";
import { closeTemporalClient, getTemporalClient } from "../temporal/client";
import { installTemporalRuntime } from "../temporal/logging";
import { startWorker, type RunningWorker } from "../temporal/worker";

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  health                     show the state of the database, Temporal and the workers
  run <pipeline-file>        save the pipeline (JSON or YAML) as a new version and run it
  validate <pipeline-file>   check a pipeline file without running it

Options:
  --wait        (run) wait for the run to finish; exit 0 if it succeeded, 1 if it failed
  --json        print machine-readable JSON
  --embedded    start the embedded PostgreSQL, Temporal and a worker for this command only
  -h, --help    show this help

Exit codes: 0 success, 1 failed run or unhealthy stack, 2 invalid input.`;

class UsageError extends Error {}

interface Output {
  json: boolean;
}

function print(out: Output, value: unknown, human: string): void {
  console.log(out.json ? JSON.stringify(value, null, 2) : human);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      wait: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      embedded: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const out: Output = { json: values.json };

  if (command === "validate") {
    const doc = await readPipelineFile(requireFile(rest));
    const result = validatePipeline(doc);
    if (result.ok) print(out, { ok: true, errors: [] }, `${rest[0]}: valid`);
    else
      print(
        out,
        { ok: false, errors: result.errors },
        result.errors.map((e) => `error: ${e.message}`).join("\n"),
      );
    return result.ok ? 0 : 2;
  }
  if (command !== "health" && command !== "run")
    throw new UsageError(`Unknown command "${command}".`);

  // Validate input before starting anything, so bad input costs nothing.
  let document: unknown;
  if (command === "run") {
    document = await readPipelineFile(requireFile(rest));
    const result = validatePipeline(document);
    if (!result.ok) {
      print(
        out,
        { ok: false, errors: result.errors },
        result.errors.map((e) => `error: ${e.message}`).join("\n"),
      );
      return 2;
    }
  }

  let stack: EmbeddedStack | undefined;
  let worker: RunningWorker | undefined;
  try {
    if (values.embedded) {
      const log = (source: string, line: string) => {
        if (!values.json) console.error(`[${source}] ${line}`);
      };
      stack = await startEmbeddedStack(stackOptionsFromEnv(log, false));
      process.env.DATABASE_URL = stack.databaseUrl;
      process.env.TEMPORAL_ADDRESS = stack.temporalAddress;
      resetEnvForTests();
      installTemporalRuntime("WARN");
      worker = await startWorker({ queues: ["cpu", "gpu"], identity: `cli-${process.pid}` });
    }

    if (command === "health") {
      const health = await checkHealth(getDb);
      const lines = [
        `status:    ${health.status}`,
        `database:  ${health.database.ok ? "ok" : `down (${health.database.error})`}`,
        `temporal:  ${health.temporal.ok ? `ok (${health.temporal.address})` : `down (${health.temporal.error})`}`,
        ...health.queues.map(
          (q) =>
            `queue ${q.queue}: ${q.workers.length ? q.workers.map((w) => w.identity).join(", ") : "no worker"}${q.required ? "" : " (optional)"}`,
        ),
      ];
      print(out, health, lines.join("\n"));
      return health.status === "down" ? 1 : 0;
    }

    const db = getDb();
    const name = (document as { name: string }).name;
    const [existing] = await db
      .select({ id: pipelines.id })
      .from(pipelines)
      .where(and(eq(pipelines.name, name), isNull(pipelines.deletedAt)))
      .limit(1);
    const saved = await savePipeline(db, { pipelineId: existing?.id, document, message: "cli" });
    const temporal = await getTemporalClient();
    const { runId, workflowId } = await startRun(db, temporal, {
      pipelineVersionId: saved.version.id,
      trigger: "cli",
    });
    if (!values.wait) {
      print(out, { runId, status: "queued" }, `started run ${runId}`);
      return 0;
    }
    await waitForRun(temporal, workflowId);
    const run = await getRun(db, runId);
    const ms = (a: Date | null, b: Date | null) => (a && b ? b.getTime() - a.getTime() : null);
    const summary = {
      runId,
      pipeline: run.pipelineName,
      version: run.version,
      status: run.status,
      durationMs: ms(run.startedAt, run.finishedAt),
      error: run.error,
      steps: run.steps.map((s) => ({
        id: s.stepId,
        nodeType: s.nodeType,
        status: s.status,
        attempts: s.attempts,
        durationMs: ms(s.startedAt, s.finishedAt),
        worker: s.workerIdentity,
        error: s.error,
      })),
    };
    print(
      out,
      summary,
      [
        `run ${runId}: ${run.status}`,
        ...summary.steps.map(
          (s) =>
            `  ${s.id.padEnd(20)} ${s.status.padEnd(10)} ${s.durationMs ?? "-"} ms${s.error ? `  ${s.error}` : ""}`,
        ),
      ].join("\n"),
    );
    return run.status === "succeeded" ? 0 : 1;
  } finally {
    await worker?.shutdown().catch(() => undefined);
    await closeTemporalClient();
    await closeDb();
    await stack?.stop();
  }
}

function requireFile(rest: string[]): string {
  const file = rest[0];
  if (!file) throw new UsageError("Missing <pipeline-file>.");
  return file;
}

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`error: ${err.message}\n\n${USAGE}`);
    code = 2;
  } else if (err instanceof PipelineFileError) {
    console.error(`error: ${err.message}`);
    code = 2;
  } else if (err instanceof StartupError || err instanceof ConfigError) {
    console.error(`error: ${err.message}`);
    code = 1;
  } else if (
    err instanceof TypeError &&
    "code" in err &&
    String(err.code).startsWith("ERR_PARSE_ARGS")
  ) {
    console.error(`error: ${err.message}\n\n${USAGE}`);
    code = 2;
  } else {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    code = 1;
  }
}
process.exit(code);
