import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipelineDoc } from "../helpers";
import { callerAs } from "../people";
import {
  duplicateRows,
  runFinished,
  startFaultStack,
  stepRow,
  unfinishedSteps,
  verifyArtifacts,
  writeCsv,
  type FaultStack,
} from "./harness";

const exec = promisify(execFile);

/** A 4 MiB tmpfs as the artifact store, or why one cannot be mounted here (not root, no CAP_SYS_ADMIN). */
async function mountSmallDisk(): Promise<{ dir: string } | { skip: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "flowforge-faults-disk-"));
  try {
    await exec("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", dir]);
    return { dir };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    return { skip: (err as { stderr?: string }).stderr?.trim() || String(err) };
  }
}

const mounted = await mountSmallDisk();
// Under CI a scenario that cannot run is a failure, not a quiet skip.
if ("skip" in mounted && process.env.CI === "true")
  throw new Error(
    `disk-full scenario cannot run: no small tmpfs can be mounted here (${mounted.skip}); run the fault suite as root or with CAP_SYS_ADMIN`,
  );
if ("skip" in mounted)
  console.warn(`disk-full scenario skipped: cannot mount a small tmpfs (${mounted.skip})`);

/**
 * The artifact disk fills up while a step writes its output: the step fails with an error that
 * says the disk is full and where, nothing half-written is visible or recorded, and once space
 * is freed, resuming the run succeeds.
 */
describe.skipIf("skip" in mounted)("the artifact disk full during a write", () => {
  const disk = "dir" in mounted ? mounted.dir : "";
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startFaultStack("disk", { artifactDir: disk });
    await stack.spawnWorker("disk-worker");
  });
  afterAll(async () => {
    await stack?.stop();
    if (disk) {
      await exec("umount", [disk]).catch(() => undefined);
      await rm(disk, { recursive: true, force: true });
    }
  });

  it("fails the step with ENOSPC naming the store, leaves nothing partial, and resumes", async () => {
    // About 7 MB of Parquet once ingested: more than the 4 MiB disk holds.
    await writeCsv(path.join(stack.dataDir, "files", "big.csv"), 160_000);
    const api = callerAs("admin");
    const saved = await api.pipelines.save({
      document: pipelineDoc(
        "faults: disk full",
        [
          { id: "small", type: "ingest.sample", params: { dataset: "penguins" } },
          { id: "big", type: "ingest.file", params: { path: "big.csv" } },
          { id: "count", type: "prep.sql", params: { sql: "SELECT count(*) AS n FROM input" } },
        ],
        [{ source: "big", sourcePort: "dataset", target: "count", targetPort: "input" }],
      ),
    });
    const { runId } = await api.runs.start({ pipelineId: saved.pipelineId, cache: false });

    const failed = await runFinished(stack.sql, runId);
    expect(failed.status).toBe("failed");
    const big = await stepRow(stack.sql, runId, "big");
    expect(big?.status).toBe("failed");
    expect(big?.attempts).toBe(3);
    expect(big?.error).toMatch(/no space left on device/i);
    expect(big?.error).toContain("ENOSPC");
    expect(big?.error).toContain(disk);
    expect(failed.error).toMatch(/no space left on device/i);
    expect((await stepRow(stack.sql, runId, "small"))?.status).toBe("succeeded");
    expect((await stepRow(stack.sql, runId, "count"))?.status).toBe("skipped");

    // Nothing partial: no row for the big dataset, every blob whole, no temporary file left over.
    const full = await verifyArtifacts(stack.sql, disk);
    expect(full.problems).toEqual([]);
    expect(full.tmpFiles).toEqual([]);
    const bigRows = await stack.sql`select hash from artifacts where produced_by_step_id = 'big'`;
    expect(bigRows).toHaveLength(0);

    // Space freed (the disk grown): resuming the failed run re-executes only what failed.
    await exec("mount", ["-o", "remount,size=64m", disk]);
    const resumed = await api.runs.resume({ runId });
    const again = await runFinished(stack.sql, resumed.runId);
    expect(await unfinishedSteps(stack.sql, resumed.runId)).toEqual([]);
    expect(again).toEqual({ status: "succeeded", error: null });
    expect((await stepRow(stack.sql, resumed.runId, "small"))?.status).toBe("cached");
    const count = await stack.sql<{ outputs: { dataset: { hash: string } } }[]>`
      select outputs from run_steps where run_id = ${resumed.runId} and step_id = 'count'`;
    expect(count[0]?.outputs.dataset.hash).toMatch(/^[0-9a-f]{64}$/);

    expect(await duplicateRows(stack.sql, [runId, resumed.runId])).toEqual([]);
    const store = await verifyArtifacts(stack.sql, disk);
    expect(store.problems).toEqual([]);
    expect(store.tmpFiles).toEqual([]);
    expect(await readdir(disk)).toEqual(expect.arrayContaining(["sha256"]));
  }, 240_000);
});
