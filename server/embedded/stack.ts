import { mkdir } from "node:fs/promises";
import path from "node:path";
import { runMigrations } from "../db/migrate";
import { env } from "../../lib/env";
import { assertPortFree, freePort } from "./ports";
import { startEmbeddedPostgres } from "./postgres";
import { findTemporalCli } from "./temporal-cli";
import { startTemporalDevServer } from "./temporal-server";

export interface EmbeddedStackOptions {
  dataDir: string;
  pgPort: number;
  temporalPort: number;
  temporalUiPort: number;
  temporalCliPath?: string;
  /** Use these instead of starting the embedded part. */
  databaseUrl?: string;
  temporalAddress?: string;
  log: (source: "postgres" | "temporal" | "stack", line: string) => void;
}

export interface EmbeddedStack {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | null;
  stop(): Promise<void>;
}

/**
 * PostgreSQL and the Temporal dev server under one data directory, with migrations applied.
 * Ports are checked first so a clash gets a message instead of a crash half-way.
 */
export async function startEmbeddedStack(o: EmbeddedStackOptions): Promise<EmbeddedStack> {
  await mkdir(o.dataDir, { recursive: true });
  if (!o.databaseUrl) await assertPortFree(o.pgPort, "embedded PostgreSQL", "PG_PORT");
  if (!o.temporalAddress) {
    await assertPortFree(o.temporalPort, "Temporal dev server", "TEMPORAL_PORT");
    await assertPortFree(o.temporalUiPort, "Temporal UI", "TEMPORAL_UI_PORT");
  }
  const cli = o.temporalAddress
    ? undefined
    : await findTemporalCli({
        cliPath: o.temporalCliPath,
        log: (l) => o.log("stack", l),
      });

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    let databaseUrl = o.databaseUrl;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({
        dataDir: path.join(o.dataDir, "pg"),
        port: o.pgPort,
        log: (l) => o.log("postgres", l),
      });
      stops.push(() => pg.stop());
      databaseUrl = pg.url;
    }
    await runMigrations(databaseUrl);

    let temporalAddress = o.temporalAddress;
    let temporalUiUrl: string | null = null;
    if (!temporalAddress) {
      const temporal = await startTemporalDevServer({
        cli: cli!,
        dbFile: path.join(o.dataDir, "temporal.db"),
        port: o.temporalPort,
        uiPort: o.temporalUiPort,
        log: (l) => o.log("temporal", l),
      });
      stops.push(() => temporal.stop());
      temporalAddress = temporal.address;
      temporalUiUrl = temporal.uiUrl;
    }
    return { databaseUrl, temporalAddress, temporalUiUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Options from the environment; `external` lets DATABASE_URL / TEMPORAL_ADDRESS replace parts. */
export function stackOptionsFromEnv(
  log: EmbeddedStackOptions["log"],
  external: boolean,
): EmbeddedStackOptions {
  const e = env();
  return {
    dataDir: e.dataDir,
    pgPort: e.PG_PORT,
    temporalPort: e.TEMPORAL_PORT,
    temporalUiPort: e.TEMPORAL_UI_PORT,
    temporalCliPath: e.TEMPORAL_CLI_PATH,
    databaseUrl: external ? e.DATABASE_URL : undefined,
    temporalAddress: external ? e.TEMPORAL_ADDRESS : undefined,
    log,
  };
}

/** A stack on free ports in the given directory: tests, benchmarks and history recording. */
export async function startStackOnFreePorts(
  dataDir: string,
  log: EmbeddedStackOptions["log"] = () => {},
): Promise<EmbeddedStack> {
  return startEmbeddedStack({
    dataDir,
    pgPort: await freePort(),
    temporalPort: await freePort(),
    temporalUiPort: await freePort(),
    log,
  });
}
