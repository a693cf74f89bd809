import { DEFAULT_WORKSPACE_ID } from "../server/auth/users";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout } from "node:timers/promises";
import { historyToJSON } from "@temporalio/common/lib/proto-utils";
import { closeDb, getDb } from "../server/db/client";
import { startStackOnFreePorts } from "../server/embedded/stack";
import { resetEnvForTests } from "../lib/env";
import { savePipeline } from "../server/services/pipelines";
import { approveStep, cancelRun, getRun, startRun, waitForRun } from "../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../server/temporal/client";
import { installTemporalRuntime } from "../server/temporal/logging";
import { startWorker } from "../server/temporal/worker";

/**
 * `npm run history:record`: runs the committed example pipelines on a throw-away embedded stack
 * and stores their workflow histories in workflows/histories/, which the replay test replays.
 * Re-record only when a workflow change is meant to be incompatible (and patch it instead when
 * runs may be in flight: see docs/operations.md).
 */
interface Case {
  name: string;
  file: string;
  /** Runs the pipeline once before the recorded run (to record cache hits). */
  warm?: boolean;
  /** What happens while the recorded run is in flight. */
  during?: (runId: string, workflowId: string) => Promise<void>;
}

const waitForStep = async (runId: string, stepId: string, status: string) => {
  for (;;) {
    const run = await getRun(getDb(), runId);
    if (run.steps.find((s) => s.stepId === stepId)?.status === status) return;
    await setTimeout(100);
  }
};

const cases: Case[] = [
  { name: "hello", file: "examples/hello.pipeline.json" },
  { name: "failure", file: "workflows/histories/failure.pipeline.json" },
  { name: "cached", file: "examples/hello.pipeline.json", warm: true },
  {
    name: "approval",
    file: "workflows/histories/approval.pipeline.json",
    during: async (runId) => {
      await waitForStep(runId, "gate", "awaiting_approval");
      await approveStep(getDb(), await getTemporalClient(), {
        runId,
        stepId: "gate",
        approved: true,
        by: "recorder",
      });
    },
  },
  {
    name: "cancelled",
    file: "workflows/histories/cancel.pipeline.json",
    during: async (runId) => {
      await waitForStep(runId, "long", "running");
      await cancelRun(getDb(), await getTemporalClient(), runId);
    },
  },
];

const dataDir = await mkdtemp(path.join(os.tmpdir(), "flowforge-history-"));
const stack = await startStackOnFreePorts(dataDir);
process.env.DATABASE_URL = stack.databaseUrl;
process.env.TEMPORAL_ADDRESS = stack.temporalAddress;
process.env.DATA_DIR = dataDir;
resetEnvForTests();
installTemporalRuntime("WARN");
const worker = await startWorker({ queues: ["cpu"], identity: "history-recorder" });
try {
  for (const c of cases) {
    const document = JSON.parse(await readFile(c.file, "utf8")) as unknown;
    const saved = await savePipeline(getDb(), { document, workspaceId: DEFAULT_WORKSPACE_ID });
    const client = await getTemporalClient();
    if (c.warm)
      await waitForRun(
        client,
        (await startRun(getDb(), client, { pipelineVersionId: saved.version.id })).workflowId,
      );
    const { runId, workflowId } = await startRun(getDb(), client, {
      pipelineVersionId: saved.version.id,
    });
    await c.during?.(runId, workflowId);
    const summary = await waitForRun(client, workflowId);
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const out = path.join("workflows", "histories", `${c.name}.history.json`);
    await writeFile(out, historyToJSON(history) + "\n");
    console.log(`${out}: ${summary.status}, ${history.events?.length ?? 0} events`);
  }
} finally {
  await worker.shutdown();
  await closeTemporalClient();
  await closeDb();
  await stack.stop();
  await rm(dataDir, { recursive: true, force: true });
}
