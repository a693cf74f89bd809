import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { PIPELINE_API_VERSION } from "../../common/pipeline/schema";
import { and, eq, isNull } from "drizzle-orm";
import { closeDb, getDb, type Db } from "../db/client";
import { pipelines, roles, workspaces } from "../db/schema";
import { createUser, setMember, setPassword, userByEmail } from "../auth/users";
import { startEmbeddedStack, stackOptionsFromEnv, type EmbeddedStack } from "../embedded/stack";
import { readStackFile } from "../embedded/stack-file";
import { env, resetEnvForTests } from "../../lib/env";
import {
  ConfigError,
  NotFoundError,
  PeopleError,
  ScheduleInputError,
  StartupError,
} from "../../lib/errors";
import { formatDiff } from "../../common/pipeline/diff";
import { pipelineJsonSchema } from "../../common/pipeline/json-schema";
import { PipelineFileError } from "../../common/pipeline/parse";
import { readPipelineFile } from "../pipeline/load";
import type { PipelineFile } from "../../common/pipeline/schema";
import { servingNotes } from "../../common/pipeline/serving-notes";
import { validatePipeline, type ValidationError } from "../../common/pipeline/validate";
import { checkHealth } from "../services/health";
import {
  diffDocuments,
  exportDocument,
  getPipelineVersion,
  savePipeline,
} from "../services/pipelines";
import {
  createPipelineSchedule,
  deleteSchedule,
  listPipelineSchedules,
  pauseSchedule,
  type PipelineSchedule,
} from "../services/schedules";
import { cancelRun, getRun, resumeRun, startRun, waitForRun } from "../services/runs";
import {
  pipelineNamed,
  remoteClient,
  remoteDocument,
  remoteFailure,
  RemoteError,
  waitRemote,
  type Remote,
} from "./remote";
import { closeTemporalClient, getTemporalClient } from "../temporal/client";
import { installTemporalRuntime } from "../temporal/logging";
import { startWorker, type RunningWorker } from "../temporal/worker";
import type { Client } from "@temporalio/client";

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  health                        the state of the database, Temporal and the workers
  validate <file>               check a pipeline file (JSON or YAML) without running it
  run <file>                    save the pipeline file as a new version of the pipeline of that name, and run it
  resume <run-id>               retry a run from its failed steps (--from <step>: re-run from that step)
  cancel <run-id>               cancel a run; its running steps stop
  diff <a> <b>                  semantic diff; a and b are files or <pipeline-id>@<version>
  export <pipeline-id>[@<version>]  print a saved version (--format json|yaml)
  convert <file>                print the file in the current format (--format json|yaml; --write: rewrite the file)
  schema                        print the pipeline file's JSON Schema
  schedule create <pipeline-id> --cron "<m h dom mon dow>"   run the pipeline's latest version on a schedule
  schedule list [<pipeline-id>]  list pipeline schedules (next and recent runs)
  schedule pause|resume|delete <schedule-id>
  user add <email> --role <role> [--password <p>]   add a person to the workspace (creating their account)
  user password <email> --password <p>               set a person's password
  status <run-id>               a run's status and its steps (--wait: until it finishes)
  approve <run-id> <step>       approve a step that waits (--reject to refuse; --comment "<why>"); remote only
  promote <endpoint>            serve the canary or shadow version as primary; remote only
  rollback <endpoint>           serve the previous version again; remote only

Remote mode: --url <https://flowforge.example.com> (or FLOWFORGE_URL) and FLOWFORGE_TOKEN (an
API token from the Tokens page, or --token) send every command through the HTTP API, with the
token's role and workspace; without them, commands reach the database and Temporal directly.

Options:
  --wait          (run, resume) wait for the run to finish; exit 0 if it succeeded, 1 if not
  --json          machine-readable output
  --no-cache      (run) execute every step, reusing nothing
  --from <step>   (resume) re-run this step and everything downstream of it
  --latest        (resume) use the pipeline's latest version instead of the run's
  --format <f>    (export, convert) json or yaml; default json (export) or the file's own (convert)
  --write         (convert) rewrite the file in place instead of printing it
  --workspace <s> (run, schedule list, user add) the workspace's slug or id; default: "default"
  --role <r>      (user add) analyst, data_scientist, manager or admin
  --password <p>  (user) the password to set (at least 8 characters)
  --embedded      start the embedded PostgreSQL, Temporal and a worker for this command only
  --url <u>       remote mode: the Flowforge to talk to (default: FLOWFORGE_URL)
  --token <t>     remote mode: the API token (default: FLOWFORGE_TOKEN)
  --reject        (approve) refuse instead of approving
  --comment <c>   (approve) the decision's comment
  -h, --help      show this help

Exit codes: 0 success, 1 failed run or unhealthy stack, 2 invalid input.`;

class UsageError extends Error {}

/** Waits for a run, saying on stderr (once each) why a queued step is not starting. */
async function waitSaying(db: Db, temporal: Client, runId: string, workflowId: string) {
  const said = new Set<string>();
  const watch = setInterval(() => {
    void getRun(db, runId)
      .then((run) => {
        for (const s of run.steps) {
          if (!s.waiting || said.has(`${s.stepId}:${s.waiting}`)) continue;
          said.add(`${s.stepId}:${s.waiting}`);
          console.error(`step ${s.stepId} is waiting: ${s.waiting}`);
        }
      })
      .catch(() => undefined);
  }, 2000);
  try {
    await waitForRun(temporal, workflowId);
  } finally {
    clearInterval(watch);
  }
}

/** Invalid pipeline input, reported as structured errors (exit 2). */
class InvalidInput extends Error {
  constructor(readonly errors: ValidationError[]) {
    super(errors.map((e) => `error: ${e.message}`).join("\n"));
  }
}

interface Services {
  db: Db;
  temporal: () => Promise<Client>;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      wait: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      "no-cache": { type: "boolean", default: false },
      from: { type: "string" },
      latest: { type: "boolean", default: false },
      format: { type: "string" },
      write: { type: "boolean", default: false },
      cron: { type: "string" },
      timezone: { type: "string" },
      workspace: { type: "string", default: "default" },
      role: { type: "string" },
      password: { type: "string" },
      embedded: { type: "boolean", default: false },
      url: { type: "string" },
      token: { type: "string" },
      reject: { type: "boolean", default: false },
      comment: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const print = (value: unknown, human: string) =>
    console.log(values.json ? JSON.stringify(value, null, 2) : human);
  const arg = (what: string) => {
    const v = rest[0];
    if (!v) throw new UsageError(`Missing <${what}>.`);
    return v;
  };

  /** Commands that need the database or Temporal run here, with --embedded starting both. */
  const withServices = async (fn: (s: Services) => Promise<number>): Promise<number> => {
    let stack: EmbeddedStack | undefined;
    let worker: RunningWorker | undefined;
    try {
      const running = readStackFile(env().dataDir);
      if (values.embedded && running)
        throw new StartupError(
          `npm start is running in this checkout (pid ${running.pid}, ${running.appUrl}): drop --embedded to use its stack, or stop it first.`,
        );
      if (!values.embedded && running && !env().DATABASE_URL && !env().TEMPORAL_ADDRESS) {
        // The stack `npm start` runs in this checkout, found through its file under DATA_DIR.
        process.env.DATABASE_URL = running.databaseUrl;
        process.env.TEMPORAL_ADDRESS = running.temporalAddress;
        resetEnvForTests();
        if (!values.json)
          console.error(
            `using the stack of npm start (pid ${running.pid}, ${running.appUrl}; Temporal ${running.temporalAddress})`,
          );
      }
      if (values.embedded) {
        stack = await startEmbeddedStack(
          stackOptionsFromEnv((source, line) => {
            if (!values.json) console.error(`[${source}] ${line}`);
          }, false),
        );
        process.env.DATABASE_URL = stack.databaseUrl;
        process.env.TEMPORAL_ADDRESS = stack.temporalAddress;
        resetEnvForTests();
        installTemporalRuntime("WARN");
        worker = await startWorker({ queues: ["cpu", "gpu"], identity: `cli-${process.pid}` });
      }
      return await fn({ db: getDb(), temporal: getTemporalClient });
    } finally {
      await worker?.shutdown().catch(() => undefined);
      await closeTemporalClient();
      await closeDb();
      await stack?.stop();
    }
  };

  type When = Date | string | null;
  type RunView = {
    pipelineName: string;
    version: number;
    status: string;
    startedAt: When;
    finishedAt: When;
    error: string | null;
    steps: {
      stepId: string;
      nodeType: string;
      status: string;
      attempts: number;
      startedAt: When;
      finishedAt: When;
      cacheHit: boolean;
      cacheReason: string | null;
      workerIdentity: string | null;
      error: string | null;
    }[];
  };
  /** A run's summary, the same in both modes (exit 0 only when it succeeded). */
  const report = (runId: string, run: RunView): number => {
    const ms = (a: When, b: When) =>
      a && b ? new Date(b).getTime() - new Date(a).getTime() : null;
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
        cacheHit: s.cacheHit,
        cacheReason: s.cacheReason,
        worker: s.workerIdentity,
        error: s.error,
      })),
    };
    print(
      summary,
      [
        `run ${runId}: ${run.status}`,
        ...summary.steps.map(
          (s) =>
            `  ${s.id.padEnd(20)} ${s.status.padEnd(10)} ${String(s.durationMs ?? "-").padStart(7)} ms  ${s.error ?? s.cacheReason ?? ""}`,
        ),
      ].join("\n"),
    );
    return run.status === "succeeded" ? 0 : 1;
  };

  const summarize = async (
    db: Db,
    temporal: Client,
    runId: string,
    workflowId: string,
  ): Promise<number> => {
    if (!values.wait) {
      print({ runId, status: "queued" }, `started run ${runId}`);
      return 0;
    }
    await waitSaying(db, temporal, runId, workflowId);
    return report(runId, await getRun(db, runId));
  };

  function printHealth(health: Awaited<ReturnType<typeof checkHealth>>) {
    print(
      health,
      [
        `status:    ${health.status}`,
        `database:  ${health.database.ok ? "ok" : `down (${health.database.error})`}`,
        `temporal:  ${health.temporal.ok ? `ok (${health.temporal.address})` : `down (${health.temporal.error})`}`,
        ...health.queues.map(
          (q) =>
            `queue ${q.queue}: ${q.workers.length ? q.workers.map((w) => w.identity).join(", ") : "no worker"}${q.required ? "" : " (optional)"}`,
        ),
      ].join("\n"),
    );
  }

  function showSchedules(list: PipelineSchedule[]) {
    print(
      list,
      list.length
        ? list
            .map(
              (x) =>
                `${x.scheduleId}  ${x.cron.padEnd(15)} ${x.paused ? "paused" : "active"}  next ${x.nextRuns[0] ?? "-"}`,
            )
            .join("\n")
        : "no schedules",
    );
  }

  const formatOption = (fallback: "json" | "yaml"): "json" | "yaml" => {
    const format = values.format ?? fallback;
    if (format !== "json" && format !== "yaml")
      throw new UsageError(`--format must be json or yaml (got "${format}").`);
    return format;
  };

  const readValid = async (file: string): Promise<PipelineFile> => {
    const result = validatePipeline(await readPipelineFile(file));
    if (!result.ok) throw new InvalidInput(result.errors);
    return result.pipeline;
  };

  /** A file path, or <pipeline-id>@<version> from the database. */
  const resolveDocument = async (ref: string, db: () => Db): Promise<PipelineFile> => {
    const m = /^([0-9a-f-]{36})(?:@(\d+))?$/.exec(ref);
    if (!m) return readValid(ref);
    const version = await getPipelineVersion(db(), m[1]!, m[2] ? Number(m[2]) : undefined);
    return version.graph as PipelineFile;
  };

  const url = values.url ?? env().FLOWFORGE_URL;
  if (url) {
    const token = values.token ?? env().FLOWFORGE_TOKEN;
    if (!token)
      throw new UsageError(
        "Remote mode needs an API token: set FLOWFORGE_TOKEN or pass --token (create one on the Tokens page).",
      );
    const local = new Set(["validate", "convert", "schema"]);
    if (!local.has(command)) {
      try {
        return await remoteCommand(remoteClient(url, token), command, rest);
      } catch (err) {
        throw remoteFailure(err) ?? err;
      }
    }
  } else if (["approve", "promote", "rollback"].includes(command))
    throw new UsageError(
      `${command} is a person's decision: run it in remote mode (--url and an API token), where roles and four eyes apply.`,
    );

  /** Every command but the local ones, through the HTTP API. */
  async function remoteCommand(api: Remote, cmd: string, args: string[]): Promise<number> {
    const need = (what: string, i = 0) => {
      const v = args[i];
      if (!v) throw new UsageError(`Missing <${what}>.`);
      return v;
    };
    const finish = async (runId: string) => {
      if (!values.wait) {
        print({ runId, status: "queued" }, `started run ${runId}`);
        return 0;
      }
      return report(runId, await waitRemote(api, runId));
    };
    const endpoint = async (name: string) => {
      const d = (await api.deployments.list.query()).find((x) => x.name === name);
      if (!d) throw new NotFoundError(`No endpoint "${name}" in this token's workspace`);
      return d;
    };
    switch (cmd) {
      case "health": {
        const health = await api.health.get.query();
        printHealth(health);
        return health.status === "down" ? 1 : 0;
      }
      case "run": {
        const document = await readValid(need("file"));
        const saved = await api.pipelines.save.mutate({
          pipelineId: await pipelineNamed(api, document.name),
          document,
          message: "cli",
        });
        const started = await api.runs.start.mutate({
          pipelineId: saved.pipelineId,
          cache: !values["no-cache"],
          trigger: "cli",
        });
        return finish(started.runId);
      }
      case "resume": {
        const started = await api.runs.resume.mutate({
          runId: need("run-id"),
          fromStep: values.from,
          latestVersion: values.latest,
        });
        return finish(started.runId);
      }
      case "status": {
        const runId = need("run-id");
        return report(
          runId,
          values.wait ? await waitRemote(api, runId) : await api.runs.get.query({ runId }),
        );
      }
      case "cancel": {
        const runId = need("run-id");
        await api.runs.cancel.mutate({ runId });
        print({ runId, cancelled: true }, `cancellation requested for run ${runId}`);
        return 0;
      }
      case "export": {
        const m = /^([0-9a-f-]{36})(?:@(\d+))?$/.exec(need("pipeline-id"));
        if (!m) throw new UsageError("export needs <pipeline-id>[@<version>].");
        const out = await api.pipelines.export.query({
          pipelineId: m[1]!,
          version: m[2] ? Number(m[2]) : undefined,
          format: formatOption("json"),
        });
        process.stdout.write(out.content);
        return 0;
      }
      case "diff": {
        const d = diffDocuments(
          await remoteDocument(api, need("a", 0), readValid),
          await remoteDocument(api, need("b", 1), readValid),
        );
        print(d, formatDiff(d));
        return 0;
      }
      case "schedule": {
        const [sub, target] = args;
        if (sub === "create") {
          if (!target) throw new UsageError("Missing <pipeline-id>.");
          if (!values.cron) throw new UsageError('Missing --cron, e.g. --cron "0 6 * * *".');
          showSchedules([
            await api.schedules.create.mutate({
              pipelineId: target,
              cron: values.cron,
              timezone: values.timezone,
            }),
          ]);
        } else if (sub === "list")
          showSchedules(
            await api.schedules.list.query(target ? { pipelineId: target } : undefined),
          );
        else if (sub === "pause" || sub === "resume") {
          if (!target) throw new UsageError("Missing <schedule-id>.");
          showSchedules([
            await api.schedules.pause.mutate({ scheduleId: target, paused: sub === "pause" }),
          ]);
        } else if (sub === "delete") {
          if (!target) throw new UsageError("Missing <schedule-id>.");
          print(await api.schedules.delete.mutate({ scheduleId: target }), `deleted ${target}`);
        } else throw new UsageError(`Unknown schedule command "${sub ?? ""}".`);
        return 0;
      }
      case "approve": {
        const runId = need("run-id");
        const stepId = need("step", 1);
        await api.runs.approve.mutate({
          runId,
          stepId,
          approved: !values.reject,
          comment: values.comment,
        });
        print(
          { runId, stepId, approved: !values.reject },
          `${values.reject ? "rejected" : "approved"} ${stepId} of run ${runId}`,
        );
        return 0;
      }
      case "promote":
      case "rollback": {
        const d = await endpoint(need("endpoint"));
        const r =
          cmd === "promote"
            ? await api.deployments.promote.mutate({ deploymentId: d.id })
            : await api.deployments.rollback.mutate({ deploymentId: d.id });
        print(r, `${d.name}: ${cmd === "promote" ? "promoted" : "rolled back"}`);
        return 0;
      }
      case "user":
        throw new UsageError(
          "user is an operator's command on the database host: run it without --url (or add people on the Members page).",
        );
      default:
        throw new UsageError(`Unknown command "${cmd}".`);
    }
  }

  switch (command) {
    case "validate": {
      const result = validatePipeline(await readPipelineFile(arg("file")));
      if (!result.ok) throw new InvalidInput(result.errors);
      const notes = servingNotes(result.pipeline);
      print(
        { ok: true, errors: [], notes },
        [`${rest[0]}: valid`, ...notes.map((n) => `note: ${n.message}`)].join("\n"),
      );
      return 0;
    }
    case "convert": {
      const file = arg("file");
      const text = exportDocument(
        await readValid(file),
        formatOption(/\.ya?ml$/i.test(file) ? "yaml" : "json"),
      );
      if (!values.write) {
        process.stdout.write(text);
        return 0;
      }
      await writeFile(file, text);
      print(
        { file, apiVersion: PIPELINE_API_VERSION },
        `${file}: rewritten as ${PIPELINE_API_VERSION}`,
      );
      return 0;
    }
    case "schema":
      console.log(JSON.stringify(pipelineJsonSchema(), null, 2));
      return 0;
    case "diff": {
      const [a, b] = rest;
      if (!a || !b)
        throw new UsageError("diff needs two pipelines: files or <pipeline-id>@<version>.");
      const needsDb = [a, b].some((r) => /^[0-9a-f-]{36}/.test(r));
      const compare = async (db: () => Db) => {
        const d = diffDocuments(await resolveDocument(a, db), await resolveDocument(b, db));
        print(d, formatDiff(d));
        return 0;
      };
      return needsDb ? withServices((s) => compare(() => s.db)) : compare(() => getDb());
    }
    case "health":
      return withServices(async () => {
        const health = await checkHealth(getDb);
        printHealth(health);
        return health.status === "down" ? 1 : 0;
      });
    case "run": {
      // Validate before starting anything, so bad input costs nothing.
      const document = await readValid(arg("file"));
      return withServices(async ({ db, temporal }) => {
        const workspaceId = await workspaceIdOf(db, values.workspace);
        const [existing] = await db
          .select({ id: pipelines.id })
          .from(pipelines)
          .where(
            and(
              eq(pipelines.name, document.name),
              eq(pipelines.workspaceId, workspaceId),
              isNull(pipelines.deletedAt),
            ),
          )
          .limit(1);
        const saved = await savePipeline(db, {
          workspaceId,
          pipelineId: existing?.id,
          document,
          message: "cli",
        });
        const client = await temporal();
        const { runId, workflowId } = await startRun(db, client, {
          pipelineVersionId: saved.version.id,
          trigger: "cli",
          cache: !values["no-cache"],
        });
        return summarize(db, client, runId, workflowId);
      });
    }
    case "resume": {
      const runId = arg("run-id");
      return withServices(async ({ db, temporal }) => {
        const client = await temporal();
        const started = await resumeRun(db, client, {
          runId,
          fromStep: values.from,
          latestVersion: values.latest,
        });
        return summarize(db, client, started.runId, started.workflowId);
      });
    }
    case "status": {
      const runId = arg("run-id");
      return withServices(async ({ db, temporal }) => {
        const run = await getRun(db, runId);
        if (values.wait) await waitSaying(db, await temporal(), runId, run.workflowId);
        return report(runId, values.wait ? await getRun(db, runId) : run);
      });
    }
    case "cancel": {
      const runId = arg("run-id");
      return withServices(async ({ db, temporal }) => {
        await cancelRun(db, await temporal(), runId);
        print({ runId, cancelled: true }, `cancellation requested for run ${runId}`);
        return 0;
      });
    }
    case "export": {
      const ref = arg("pipeline-id");
      const format = formatOption("json");
      return withServices(async ({ db }) => {
        process.stdout.write(exportDocument(await resolveDocument(ref, () => db), format));
        return 0;
      });
    }
    case "schedule": {
      const [sub, target] = rest;
      const show = showSchedules;
      return withServices(async ({ db, temporal }) => {
        const client = await temporal();
        if (sub === "create") {
          if (!target) throw new UsageError("Missing <pipeline-id>.");
          if (!values.cron) throw new UsageError('Missing --cron, e.g. --cron "0 6 * * *".');
          show([
            await createPipelineSchedule(client, {
              pipelineId: target,
              cron: values.cron,
              timezone: values.timezone,
            }),
          ]);
        } else if (sub === "list") {
          const workspaceId = await workspaceIdOf(db, values.workspace);
          const ids = await db
            .select({ id: pipelines.id })
            .from(pipelines)
            .where(eq(pipelines.workspaceId, workspaceId));
          show(
            await listPipelineSchedules(
              client,
              new Set(ids.map((r) => r.id).filter((id) => !target || id === target)),
            ),
          );
        } else if (sub === "pause" || sub === "resume") {
          if (!target) throw new UsageError("Missing <schedule-id>.");
          show([await pauseSchedule(client, target, sub === "pause")]);
        } else if (sub === "delete") {
          if (!target) throw new UsageError("Missing <schedule-id>.");
          print(await deleteSchedule(client, target), `deleted ${target}`);
        } else throw new UsageError(`Unknown schedule command "${sub ?? ""}".`);
        return 0;
      });
    }
    case "user": {
      const [sub, email] = rest;
      if (!email) throw new UsageError("Missing <email>.");
      return withServices(async ({ db }) => {
        if (sub === "add") {
          const role = roles.find((r) => r === values.role);
          if (!role) throw new UsageError(`--role must be one of ${roles.join(", ")}.`);
          const workspaceId = await workspaceIdOf(db, values.workspace);
          let user = await userByEmail(db, email);
          if (!user) {
            if (!values.password) throw new UsageError("A new user needs --password.");
            await createUser(db, { email, name: email, password: values.password });
            user = await userByEmail(db, email);
          }
          await setMember(db, workspaceId, user!.id, role);
          print(
            { userId: user!.id, workspaceId, role },
            `${email} is ${role} in ${values.workspace}`,
          );
        } else if (sub === "password") {
          if (!values.password) throw new UsageError("Missing --password.");
          const user = await userByEmail(db, email);
          if (!user) throw new NotFoundError(`No user ${email}`);
          await setPassword(db, user.id, values.password);
          print({ userId: user.id }, `password set for ${email}`);
        } else throw new UsageError(`Unknown user command "${sub ?? ""}".`);
        return 0;
      });
    }
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

/** A workspace by slug or id. */
async function workspaceIdOf(db: Db, slugOrId: string): Promise<string> {
  const [ws] = await db
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(
      /^[0-9a-f-]{36}$/.test(slugOrId)
        ? eq(workspaces.id, slugOrId)
        : eq(workspaces.slug, slugOrId),
    );
  if (!ws) throw new NotFoundError(`No workspace "${slugOrId}"`);
  return ws.id;
}

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof RemoteError) {
    console.error(`error: ${err.message}`);
    code = err.exitCode;
  } else if (err instanceof InvalidInput) {
    if (process.argv.includes("--json"))
      console.log(JSON.stringify({ ok: false, errors: err.errors }, null, 2));
    else console.error(err.message);
    code = 2;
  } else if (
    err instanceof UsageError ||
    (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"))
  ) {
    console.error(`error: ${err.message}\n\n${USAGE}`);
    code = 2;
  } else if (
    err instanceof PipelineFileError ||
    err instanceof NotFoundError ||
    err instanceof ScheduleInputError ||
    err instanceof PeopleError
  ) {
    console.error(`error: ${err.message}`);
    code = 2;
  } else if (err instanceof StartupError || err instanceof ConfigError) {
    console.error(`error: ${err.message}`);
    code = 1;
  } else {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    code = 1;
  }
}
process.exit(code);
