import { and, eq } from "drizzle-orm";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerAs } from "../people";
import { closeDb, getDb } from "../../server/db/client";
import { runSteps } from "../../server/db/schema";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, waitFor, type WorkerProcess } from "../helpers";
import { busyRunner, cpuSeconds, ENDLESS, exists, sqlRunners } from "../sql-runners";

const api = callerAs("admin");

async function start(nodes: unknown[]) {
  const edges = nodes
    .map((n) => (n as { id: string }).id)
    .filter((id) => id !== "p")
    .map((id) => ({ source: "p", sourcePort: "dataset", target: id, targetPort: "input" }));
  const saved = await api.pipelines.save({
    document: pipelineDoc(
      `user sql ${crypto.randomUUID()}`,
      [{ id: "p", type: "ingest.sample" }, ...nodes],
      edges,
    ),
  });
  return api.runs.start({ pipelineId: saved.pipelineId, cache: false });
}

async function finish({ runId, workflowId }: { runId: string; workflowId: string }) {
  await waitForRun(await getTemporalClient(), workflowId);
  return api.runs.get({ runId });
}

const stepOf = (r: Awaited<ReturnType<typeof finish>>, id: string) =>
  r.steps.find((s) => s.stepId === id)!;

describe("user SQL run by a real worker: out of its process, stopped, capped, parsed", () => {
  let worker: WorkerProcess;
  const pid = () => worker.child.pid!;
  beforeAll(async () => {
    worker = await spawnWorkerProcess("user-sql-worker", { env: { SQL_MEMORY_LIMIT_MIB: "256" } });
  });
  afterAll(async () => {
    await worker.stop();
    await closeTemporalClient();
    await closeDb();
  });

  /** Waits for the process running a query under the worker, and returns its pid. */
  const queryProcess = () => waitFor("a busy query process", () => busyRunner(pid()), 60_000);

  /**
   * The query's process is gone, and the worker with what runs under it (at most the one idle
   * spare runner) uses almost no CPU over two seconds.
   */
  async function expectIdle(query?: number) {
    if (query)
      await waitFor("the query's process to end", async () => !(await exists(query)), 10_000);
    const processes = [pid(), ...(await sqlRunners(pid()))];
    expect(processes.length).toBeLessThanOrEqual(2);
    const cpu = async () => {
      let sum = 0;
      for (const p of processes) sum += await cpuSeconds(p).catch(() => 0);
      return sum;
    };
    const before = await cpu();
    await sleep(2000);
    expect((await cpu()) - before).toBeLessThan(0.5);
  }

  it("stops a query that runs far past its step's time limit: the step fails, the CPU is freed", async () => {
    const started = await start([
      { id: "slow", type: "prep.sql", params: { sql: ENDLESS }, runtime: { timeoutMs: 3000 } },
    ]);
    const query = await queryProcess();
    // Out of the worker's process, and nothing of its environment (database URL, secrets) there.
    expect(query).not.toBe(pid());
    expect(await readFile(`/proc/${query}/environ`, "utf8")).toBe("");
    const r = await finish(started);
    expect(r.status).toBe("failed");
    expect(stepOf(r, "slow")).toMatchObject({ status: "failed" });
    expect(stepOf(r, "slow").error).toMatch(/StartToClose timeout|time limit/);
    await expectIdle(query);
  });

  it("stops a cancelled run's query", async () => {
    const started = await start([{ id: "slow", type: "prep.sql", params: { sql: ENDLESS } }]);
    const query = await queryProcess();
    await waitFor("the step to run", async () => {
      const [s] = await getDb()
        .select()
        .from(runSteps)
        .where(and(eq(runSteps.runId, started.runId), eq(runSteps.stepId, "slow")));
      return s?.status === "running";
    });
    await api.runs.cancel({ runId: started.runId });
    const r = await finish(started);
    expect(r.status).toBe("cancelled");
    expect(stepOf(r, "slow").status).toBe("cancelled");
    expect(stepOf(r, "slow").error ?? "").toMatch(/cancel/i);
    await expectIdle(query);
  });

  it("refuses a memory-hungry query, and derive expressions that smuggle a statement or clause, naming the problem", async () => {
    const derive = (id: string, expression: string) => ({
      id,
      type: "prep.derive",
      params: { column: "x", expression },
    });
    const r = await finish(
      await start([
        {
          id: "hungry",
          type: "prep.sql",
          params: { sql: "SELECT list(i) AS l FROM range(100000000) t(i)" },
        },
        derive("comment", "1) FROM read_csv('/etc/passwd') --"),
        derive("semicolon", "1; SELECT * FROM read_csv('/etc/passwd')"),
        derive("clause", "1 /* c */ FROM read_csv('/etc/passwd')"),
        derive("two", "1, 2"),
      ]),
    );
    expect(r.status).toBe("failed");
    const err = (id: string) => stepOf(r, id).error ?? "";
    expect(err("hungry")).toMatch(
      /SQL: the query needs more memory than its limit of 256 MiB \(Out of Memory Error/,
    );
    expect(err("comment")).toMatch(
      /Derived column "x": the expression must be one SQL expression; DuckDB's parser says: .*syntax error at or near "\)"/,
    );
    expect(err("semicolon")).toMatch(
      /one SQL expression, not 2 statements \(a ";" ends a statement\)/,
    );
    expect(err("clause")).toMatch(/one SQL expression, without a FROM clause/);
    expect(err("two")).toMatch(/one SQL expression, found 2/);
    // Bad input is not retried, although prep.derive allows two retries.
    expect(stepOf(r, "semicolon").attempts).toBe(1);
    for (const id of ["hungry", "comment", "semicolon", "clause", "two"])
      expect(err(id)).not.toMatch(/root:|DATABASE_URL|postgres:\/\//);
  });

  it("still serves the next steps afterwards", async () => {
    const r = await finish(
      await start([
        {
          id: "agg",
          type: "prep.sql",
          params: {
            sql: "SELECT species, count(*)::INT AS n FROM input GROUP BY species ORDER BY species;",
          },
        },
        {
          id: "kg",
          type: "prep.derive",
          params: { column: "mass_kg", expression: "body_mass_g / 1000 -- grams to kilograms" },
        },
      ]),
    );
    expect(r.status).toBe("succeeded");
    const dataset = (id: string) =>
      (stepOf(r, id).outputs as Record<string, { hash: string }>).dataset!.hash;
    const agg = await api.artifacts.dataset({ hash: dataset("agg"), limit: 10 });
    expect(agg.rows.map((row) => [row.species, Number(row.n)])).toEqual([
      ["Adelie", 152],
      ["Chinstrap", 68],
      ["Gentoo", 124],
    ]);
    const kg = await api.artifacts.dataset({ hash: dataset("kg"), limit: 1 });
    expect(kg.schema.at(-1)).toEqual({ name: "mass_kg", type: "DOUBLE" });
    expect(kg.rowCount).toBe(344);
    await expectIdle();
  });
});
