import { existsSync, readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * What `npm start` tells other commands in the same checkout (the CLI): where its PostgreSQL,
 * Temporal server and web app listen. Holds the database password, so it is readable by its owner
 * only, and it is removed when the stack stops.
 */
export interface StackFile {
  pid: number;
  startedAt: string;
  databaseUrl: string;
  temporalAddress: string;
  appUrl: string;
}

export const stackFilePath = (dataDir: string) => path.join(dataDir, "stack.json");

export async function writeStackFile(dataDir: string, stack: StackFile): Promise<void> {
  const file = stackFilePath(dataDir);
  await rm(file, { force: true });
  await writeFile(file, JSON.stringify(stack, null, 2) + "\n", { mode: 0o600, flag: "wx" });
}

export async function removeStackFile(dataDir: string, pid = process.pid): Promise<void> {
  if (readStackFile(dataDir)?.pid === pid) await rm(stackFilePath(dataDir), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The running stack's file, or null when there is none or its process is gone. */
export function readStackFile(dataDir: string): StackFile | null {
  const file = stackFilePath(dataDir);
  if (!existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<StackFile>;
    if (
      typeof parsed.pid !== "number" ||
      typeof parsed.databaseUrl !== "string" ||
      typeof parsed.temporalAddress !== "string"
    )
      return null;
    return alive(parsed.pid) ? (parsed as StackFile) : null;
  } catch {
    return null;
  }
}
