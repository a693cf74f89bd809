import { ensureFirstAdmin } from "../auth/users";
import { createDb } from "../db/client";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { env } from "../../lib/env";
import { ConfigError, StartupError } from "../../lib/errors";
import { logLine } from "./logs";
import { assertPortFree } from "./ports";
import { runNextBuild, spawnWeb, spawnWorker } from "./processes";
import { stackOptionsFromEnv, startEmbeddedStack, type EmbeddedStack } from "./stack";
import { removeStackFile, writeStackFile } from "./stack-file";
import { stopChild } from "./temporal-server";

/**
 * `npm start`: the whole product on one machine. PostgreSQL and Temporal run embedded unless
 * DATABASE_URL / TEMPORAL_ADDRESS point elsewhere; one worker and the web app run as children.
 */
async function main(): Promise<void> {
  let stack: EmbeddedStack | undefined;
  const children: ChildProcess[] = [];
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    logLine("stack", "shutting down…");
    await Promise.all(children.map((c) => stopChild(c)));
    await removeStackFile(env().dataDir).catch(() => undefined);
    await stack?.stop();
    logLine("stack", "stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  try {
    const e = env();
    await assertPortFree(e.PORT, "web app", "PORT");
    stack = await startEmbeddedStack(stackOptionsFromEnv(logLine, true));
    if (stopping) return;
    const childEnv = {
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      DATA_DIR: e.dataDir,
      // The worker installs Python code nodes' packages in the background on first start.
      CODE_PYTHON_INSTALL: process.env.CODE_PYTHON_INSTALL || "true",
    };
    const appUrl = `http://${e.HOST === "0.0.0.0" ? "localhost" : e.HOST}:${e.PORT}`;
    await writeStackFile(e.dataDir, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      databaseUrl: stack.databaseUrl,
      temporalAddress: stack.temporalAddress,
      appUrl,
    });

    if (!existsSync(".next/BUILD_ID")) {
      logLine("build", "building the web app (first start only; `npm run build` rebuilds it)…");
      await runNextBuild(childEnv);
    }
    if (stopping) return;

    const watch = (child: ChildProcess, name: string) => {
      children.push(child);
      child.once("exit", (code, signal) => {
        if (stopping) return;
        logLine(
          "stack",
          `${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`,
        );
        void shutdown(1);
      });
    };
    watch(spawnWorker(childEnv, e.WORKER_QUEUES), "the worker");
    watch(spawnWeb(childEnv, e.PORT, e.HOST), "the web app");

    await waitForHealthy(appUrl, () => stopping);
    if (stopping) return;
    logLine("stack", "");
    logLine("stack", `Flowforge is ready:  ${appUrl}`);
    if (stack.temporalUiUrl) logLine("stack", `Temporal UI:         ${stack.temporalUiUrl}`);
    logLine("stack", `Health:              ${appUrl}/api/health`);
    await announceAdmin(stack.databaseUrl, appUrl);
    logLine("stack", "Press Ctrl-C to stop.");
  } catch (err) {
    if (err instanceof StartupError || err instanceof ConfigError)
      logLine("stack", `error: ${err.message}`);
    else
      logLine("stack", `error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await shutdown(1);
  }
}

async function waitForHealthy(appUrl: string, cancelled: () => boolean): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!cancelled()) {
    try {
      const res = await fetch(`${appUrl}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new StartupError(
        `The app did not become healthy at ${appUrl}/api/health within 3 minutes; see the logs above.`,
      );
    await sleep(500);
  }
}

await main();

/** First start: create the admin and say how to sign in; later starts say where the password is. */
async function announceAdmin(databaseUrl: string, appUrl: string) {
  const { db, sql } = createDb(databaseUrl, { max: 1 });
  try {
    const admin = await ensureFirstAdmin(db);
    if (!admin) {
      logLine("stack", `Sign in:             ${appUrl}/sign-in`);
      return;
    }
    logLine("stack", "");
    logLine("stack", `Sign in at ${appUrl}/sign-in as ${admin.email}`);
    logLine(
      "stack",
      admin.password
        ? `  password: ${admin.password}  (saved in ${admin.passwordFile}; change it after signing in)`
        : "  password: the ADMIN_PASSWORD you set",
    );
  } finally {
    await sql.end({ timeout: 2 });
  }
}
