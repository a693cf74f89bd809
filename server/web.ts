import { spawn } from "node:child_process";
import { ensureFirstAdmin } from "./auth/users";
import { createDb } from "./db/client";
import { runMigrations } from "./db/migrate";
import { env, requireDatabaseUrl } from "../lib/env";

/**
 * `npm run web` for production: migrate (under the advisory lock), then serve the built app.
 * Run `npm run build` once per release before starting web processes.
 */
const e = env();
try {
  await runMigrations(requireDatabaseUrl());
} catch (err) {
  console.error(
    `web: could not migrate the database: ${err instanceof Error ? err.message : String(err)}`,
  );
  process.exit(1);
}
{
  // A production database with nobody in it: make the first admin, as the embedded start does.
  const { db, sql } = createDb(requireDatabaseUrl(), { max: 1 });
  const admin = await ensureFirstAdmin(db);
  await sql.end({ timeout: 2 });
  if (admin)
    console.log(
      `web: created the first admin ${admin.email}; ${admin.password ? `password in ${admin.passwordFile}` : "password: ADMIN_PASSWORD"}`,
    );
}
const child = spawn(
  process.execPath,
  ["--import", "tsx", "server/web/main.ts", "--port", String(e.PORT), "--host", e.HOST],
  { stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
