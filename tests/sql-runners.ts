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
