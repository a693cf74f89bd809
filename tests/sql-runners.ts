import { readFile, readdir } from "node:fs/promises";

/** Runs forever (hours) on any machine, using every thread it is given. */
export const ENDLESS = "SELECT count(*) AS n FROM range(10000000000000) t(i) WHERE hash(i) % 7 = 3";

/** The pids of sql-runner.mjs processes whose parent is `parent`. */
export async function sqlRunners(parent: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== parent) continue;
      if ((await readFile(`/proc/${entry}/cmdline`, "utf8")).includes("sql-runner.mjs"))
        pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** CPU time (user + system) a process has used so far, in seconds (clock ticks of 1/100 s). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command: state is field 3, utime field 14 and stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Whether a process of that pid still exists. */
export async function exists(pid: number): Promise<boolean> {
  return readFile(`/proc/${pid}/stat`, "utf8").then(
    () => true,
    () => false,
  );
}

/** The sql-runner.mjs process under `parent` that is running a query (its CPU time grows), if any. */
export async function busyRunner(parent: number): Promise<number | undefined> {
  const before = new Map<number, number>();
  for (const pid of await sqlRunners(parent)) before.set(pid, await cpuSeconds(pid).catch(() => 0));
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const [pid, cpu] of before)
    if ((await cpuSeconds(pid).catch(() => cpu)) - cpu >= 0.1) return pid;
  return undefined;
}
