import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerAs } from "../people";
import { closeDb, getDb } from "../../server/db/client";
import { resetEnvForTests } from "../../lib/env";
import { runSteps } from "../../server/db/schema";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { runStatusQuery } from "../../workflows/run-pipeline";
import { pipelineDoc, spawnWorkerProcess, waitFor, type WorkerProcess } from "../helpers";

const api = callerAs("admin");
const approver = callerAs("manager");

const pipelineIds = new Map<string, string>();

/** Saves the document as a new version of the pipeline of that name, and runs it. */
async function run(document: { name: string }, options: { cache?: boolean } = {}) {
  const saved = await api.pipelines.save({ pipelineId: pipelineIds.get(document.name), document });
  pipelineIds.set(document.name, saved.pipelineId);
  const started = await api.runs.start({
    pipelineId: saved.pipelineId,
    cache: options.cache ?? true,
  });
  return { ...started, pipelineId: saved.pipelineId };
}

async function finish(workflowId: string, runId: string) {
  await waitForRun(await getTemporalClient(), workflowId);
  return api.runs.get({ runId });
}

const stepOf = (r: Awaited<ReturnType<typeof finish>>, id: string) =>
  r.steps.find((s) => s.stepId === id)!;

describe("the runPipeline interpreter on a real Temporal server", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await spawnWorkerProcess("interpreter-worker", {
      env: { WEBHOOK_ALLOW_PRIVATE: "true" },
    });
  });
  afterAll(async () => {
    await worker.stop();
    await closeTemporalClient();
    await closeDb();
  });

  it("runs independent branches in parallel", async () => {
    const { runId, workflowId } = await run(
      pipelineDoc(
        "parallel",
        [
          { id: "src", type: "internal.numbers" },
          { id: "left", type: "internal.sleep", params: { ms: 1500 } },
          { id: "right", type: "internal.sleep", params: { ms: 1500 } },
        ],
        [
          { source: "src", sourcePort: "numbers", target: "left", targetPort: "in" },
          { source: "src", sourcePort: "numbers", target: "right", targetPort: "in" },
        ],
      ),
      { cache: false },
    );
    const r = await finish(workflowId, runId);
    expect(r.status).toBe("succeeded");
    const left = stepOf(r, "left");
    const right = stepOf(r, "right");
    // Each branch started before the other finished: they overlapped.
    expect(left.startedAt!.getTime()).toBeLessThan(right.finishedAt!.getTime());
    expect(right.startedAt!.getTime()).toBeLessThan(left.finishedAt!.getTime());
  });

  it("exposes live status through a query, and cancellation stops the running step", async () => {
    const { runId, workflowId } = await run(
      pipelineDoc(
        "cancel me",
        [
          { id: "long", type: "internal.sleep", params: { ms: 600_000 } },
          { id: "after", type: "internal.noop" },
        ],
        [{ source: "long", sourcePort: "out", target: "after", targetPort: "in" }],
      ),
    );
    const handle = (await getTemporalClient()).workflow.getHandle(workflowId);
    await waitFor("the long step to run", async () => {
      const [s] = await getDb()
        .select()
        .from(runSteps)
        .where(and(eq(runSteps.runId, runId), eq(runSteps.stepId, "long")));
      return s?.status === "running";
    });
    const live = await handle.query(runStatusQuery);
    expect(live.long?.status).toBe("queued");
    expect(live.after?.status).toBe("pending");

    await api.runs.cancel({ runId });
    const r = await finish(workflowId, runId);
    expect(r.status).toBe("cancelled");
    expect(stepOf(r, "long").status).toBe("cancelled");
    expect(stepOf(r, "after").status).toBe("cancelled");
    // The activity itself stopped (the workflow waits for the cancellation to complete).
    expect(stepOf(r, "long").error ?? "").toMatch(/cancel/i);
  });

  it("reuses cached outputs, and says why a step was not cached", async () => {
    const nodes = (count: number) => [
      { id: "numbers", type: "internal.numbers", params: { count, seed: 1001 } },
      { id: "sum", type: "internal.sum" },
      { id: "side", type: "internal.noop", params: { tag: "cache test" } },
      { id: "always", type: "internal.noop", cache: false },
    ];
    const edges = [
      { source: "numbers", sourcePort: "numbers", target: "sum", targetPort: "numbers" },
      { source: "numbers", sourcePort: "numbers", target: "always", targetPort: "in" },
    ];
    const first = await run(pipelineDoc("cached", nodes(10), edges));
    const r1 = await finish(first.workflowId, first.runId);
    expect(r1.steps.map((s) => [s.stepId, s.status, s.cacheReason])).toEqual([
      ["numbers", "succeeded", "first run of this node"],
      ["always", "succeeded", "this node never uses the cache"],
      ["side", "succeeded", "first run of this node"],
      ["sum", "succeeded", "first run of this node"],
    ]);

    const second = await run(pipelineDoc("cached", nodes(10), edges));
    const r2 = await finish(second.workflowId, second.runId);
    expect(r2.status).toBe("succeeded");
    for (const id of ["numbers", "sum", "side"]) {
      const s = stepOf(r2, id);
      expect(s).toMatchObject({
        status: "cached",
        cacheHit: true,
        attempts: 0,
        workerIdentity: null,
      });
      expect(s.cacheReason).toBe(`reused the outputs of run ${first.runId} step ${id}`);
      expect(s.outputs).toEqual(stepOf(r1, id).outputs);
    }
    expect(stepOf(r2, "always")).toMatchObject({
      status: "succeeded",
      cacheHit: false,
      attempts: 1,
    });

    const third = await run(pipelineDoc("cached", nodes(12), edges));
    const r3 = await finish(third.workflowId, third.runId);
    expect(stepOf(r3, "numbers")).toMatchObject({
      status: "succeeded",
      cacheReason: "params changed (count)",
    });
    expect(stepOf(r3, "sum")).toMatchObject({
      status: "succeeded",
      cacheReason: "input numbers changed",
    });
    expect(stepOf(r3, "side").status).toBe("cached");

    const off = await run(pipelineDoc("cached", nodes(12), edges), { cache: false });
    const r4 = await finish(off.workflowId, off.runId);
    expect(
      r4.steps.every(
        (s) =>
          (s.status === "succeeded" && s.cacheReason === "cache turned off for this run") ||
          s.stepId === "always",
      ),
    ).toBe(true);
  });

  it("resumes a failed run from the failed step, reusing upstream outputs, and re-runs from a chosen step", async () => {
    const doc = (failTimes: number) =>
      pipelineDoc(
        "resume",
        [
          { id: "numbers", type: "internal.numbers", params: { count: 7, seed: 1002 } },
          {
            id: "flaky",
            type: "internal.sleep",
            params: { ms: 0, failTimes },
            runtime: { retries: 0 },
          },
          { id: "sum", type: "internal.sum" },
        ],
        [
          { source: "numbers", sourcePort: "numbers", target: "flaky", targetPort: "in" },
          { source: "flaky", sourcePort: "out", target: "sum", targetPort: "numbers" },
        ],
      );
    const failed = await run(doc(1));
    const r1 = await finish(failed.workflowId, failed.runId);
    expect(r1.status).toBe("failed");
    expect(r1.steps.map((s) => s.status)).toEqual(["succeeded", "failed", "skipped"]);

    // The fix is a new version; "retry from failed" on it reuses numbers.
    await api.pipelines.save({ pipelineId: failed.pipelineId, document: doc(0) });
    const retried = await api.runs.resume({ runId: failed.runId, latestVersion: true });
    const r2 = await finish(retried.workflowId, retried.runId);
    expect(r2.status).toBe("succeeded");
    expect(r2.version).toBe(2);
    expect(r2.steps.map((s) => [s.stepId, s.status])).toEqual([
      ["numbers", "cached"],
      ["flaky", "succeeded"],
      ["sum", "succeeded"],
    ]);

    const rerun = await api.runs.resume({ runId: retried.runId, fromStep: "flaky" });
    const r3 = await finish(rerun.workflowId, rerun.runId);
    expect(r3.steps.map((s) => [s.stepId, s.status, s.cacheReason])).toEqual([
      ["numbers", "cached", `reused the outputs of run ${failed.runId} step numbers`],
      ["flaky", "succeeded", "re-run requested"],
      ["sum", "succeeded", "re-run requested"],
    ]);
  });

  it("holds a gated step until approved, and rejects it (and its run) when rejected", async () => {
    const doc = pipelineDoc(
      "gated",
      [
        { id: "src", type: "internal.numbers" },
        { id: "deploy", type: "internal.sleep", params: { ms: 0, needsApproval: true } },
      ],
      [{ source: "src", sourcePort: "numbers", target: "deploy", targetPort: "in" }],
    );
    const where = (runId: string) => and(eq(runSteps.runId, runId), eq(runSteps.stepId, "deploy"));
    const awaiting = async (runId: string) =>
      waitFor("the step to await approval", async () => {
        const [s] = await getDb().select().from(runSteps).where(where(runId));
        return s?.status === "awaiting_approval";
      });

    // The workspace's approval webhook hears of each run that starts waiting.
    const received: unknown[] = [];
    const hook = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push(JSON.parse(body));
        res.end("ok");
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/pending`;
    await expect(api.workspaces.setApprovalWebhook({ url: hookUrl })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/loopback, private or link-local/) as unknown,
    });
    await expect(
      approver.workspaces.setApprovalWebhook({ url: "https://example.com/x" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    process.env.WEBHOOK_ALLOW_PRIVATE = "true";
    resetEnvForTests();
    await api.workspaces.setApprovalWebhook({ url: hookUrl });
    expect(await approver.workspaces.settings()).toEqual({
      fourEyes: true,
      hasApprovalWebhook: true,
      approvalWebhook: null,
    });

    const a = await run(doc, { cache: false });
    await awaiting(a.runId);
    expect((await api.runs.get({ runId: a.runId })).status).toBe("awaiting_approval");
    expect((await api.runs.list({ limit: 5 })).find((r) => r.id === a.runId)?.status).toBe(
      "awaiting_approval",
    );
    await waitFor("the approval webhook", () => Promise.resolve(received.length === 1));
    expect(received[0]).toMatchObject({
      event: "approval.pending",
      id: `${a.runId}:deploy`,
      pipeline: { name: expect.stringMatching(/^gated/) as unknown, version: 1 },
      run: {
        id: a.runId,
        url: expect.stringMatching(new RegExp(`/runs/${a.runId}$`)) as unknown,
        startedBy: expect.stringMatching(/^admin-[0-9a-f]{8}@test\.local$/) as unknown,
      },
      steps: [{ stepId: "deploy", nodeType: "internal.sleep" }],
    });
    await expect(
      api.runs.approve({ runId: a.runId, stepId: "src", approved: true }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    // Four eyes (on by default): whoever started the run cannot approve it; another manager can.
    await expect(
      api.runs.approve({ runId: a.runId, stepId: "deploy", approved: true }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringMatching(/^Four eyes/) as unknown,
    });
    await approver.runs.approve({
      runId: a.runId,
      stepId: "deploy",
      approved: true,
      comment: "ship it",
    });
    const ra = await finish(a.workflowId, a.runId);
    expect(ra.status).toBe("succeeded");
    expect(stepOf(ra, "deploy").approval).toMatchObject({
      approved: true,
      by: expect.stringMatching(/^manager-[0-9a-f]{8}@test\.local$/) as string,
      comment: "ship it",
    });

    const b = await run(doc, { cache: false });
    await awaiting(b.runId);
    await api.runs.approve({
      runId: b.runId,
      stepId: "deploy",
      approved: false,
      comment: "not today",
    });
    const rb = await finish(b.workflowId, b.runId);
    expect(rb.status).toBe("rejected");
    expect(rb.error).toMatch(/^Step deploy was rejected: Rejected by/);
    expect((await api.history.runs({ status: "rejected" })).rows.map((r) => r.id)).toContain(
      b.runId,
    );
    expect(stepOf(rb, "deploy")).toMatchObject({
      status: "rejected",
      error: expect.stringMatching(
        /^Rejected by admin-[0-9a-f]{8}@test\.local: not today$/,
      ) as string,
    });

    // An admin turns four eyes off (audited, from and to): then whoever started may approve.
    await api.workspaces.setFourEyes({ on: false });
    try {
      expect(await api.workspaces.settings()).toEqual({
        fourEyes: false,
        hasApprovalWebhook: true,
        approvalWebhook: hookUrl,
      });
      const c = await run(doc, { cache: false });
      await awaiting(c.runId);
      await api.runs.approve({ runId: c.runId, stepId: "deploy", approved: true });
      expect((await finish(c.workflowId, c.runId)).status).toBe("succeeded");
    } finally {
      await api.workspaces.setFourEyes({ on: true });
      await api.workspaces.setApprovalWebhook({ url: null });
      delete process.env.WEBHOOK_ALLOW_PRIVATE;
      resetEnvForTests();
      hook.close();
    }
    expect(received).toHaveLength(3);
    const changes = await api.audit.list({ action: "workspace.four_eyes" });
    expect(changes.map((e) => e.detail)).toEqual(
      expect.arrayContaining([
        { from: true, to: false },
        { from: false, to: true },
      ]),
    );
  });
});
