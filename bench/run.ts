/**
 * `npm run bench -- <name> [--smoke]`: runs bench/<name>.ts, which measures the product and its
 * baseline. `all` runs every benchmark, each in its own process, and fails if any of them failed.
 * `--smoke` runs them at a tiny size and writes bench/results/smoke/ (see bench/lib.ts).
 */
import { spawn } from "node:child_process";
import { BENCHMARKS, isBenchmark } from "./names";

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith("--"));
const [requested, ...extra] = args.filter((a) => !a.startsWith("--"));
if (
  !requested ||
  extra.length ||
  flags.some((f) => f !== "--smoke") ||
  !(requested === "all" || isBenchmark(requested))
) {
  console.error(`usage: npm run bench -- <${BENCHMARKS.join("|")}|all> [--smoke]`);
  process.exit(2);
}

/** One benchmark in a child process: its own memory, environment and exit. */
function runOne(name: string): Promise<{ name: string; seconds: number; ok: boolean }> {
  const t0 = performance.now();
  console.log(`\n--- bench ${name}${flags.length ? ` ${flags.join(" ")}` : ""} ---`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", name, ...flags], {
      stdio: "inherit",
      detached: true,
    });
    // A benchmark that hangs fails, with everything it started, instead of holding CI to its limit.
    const limitMs = (flags.includes("--smoke") ? 10 : 60) * 60_000;
    const stopGroup = () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    };
    // Its own process group (so a hang can be stopped whole); Ctrl-C must still reach it.
    const onSignal = () => {
      stopGroup();
      process.exit(130);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const timer = setTimeout(() => {
      console.error(`bench ${name} ran past ${limitMs / 60_000} min; stopping it`);
      stopGroup();
    }, limitMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      const seconds = Math.round((performance.now() - t0) / 1000);
      const ok = code === 0;
      if (!ok) console.error(`bench ${name} failed (${signal ?? `exit code ${code}`})`);
      resolve({ name, seconds, ok });
    });
  });
}

if (requested === "all") {
  const outcomes = [];
  for (const name of BENCHMARKS) outcomes.push(await runOne(name));
  console.log("\nbenchmark       seconds  outcome");
  for (const o of outcomes)
    console.log(`${o.name.padEnd(15)} ${String(o.seconds).padStart(7)}  ${o.ok ? "ok" : "FAILED"}`);
  process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
}
await import(`./${requested}.ts`);
