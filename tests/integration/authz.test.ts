import { readdirSync } from "node:fs";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRoutes } from "../../server/api/http-auth";
import { appRouter } from "../../server/api/root";
import type { Access } from "../../server/api/trpc";
import { appUrl, getAuth, resetAuthForTests } from "../../server/auth/auth";
import { roleLadder, type Principal, type Role } from "../../common/roles";
import { closeDb, getDb } from "../../server/db/client";
import { memberships, runSteps } from "../../server/db/schema";
import { resetEnvForTests } from "../../lib/env";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, waitFor, type WorkerProcess } from "../helpers";
import { callerFor, newWorkspace, principalAs, TEST_PASSWORD } from "../people";

/**
 * The role rule of every procedure. A procedure added without a line here fails the first test:
 * deciding who may call it is part of adding it.
 */
const expected: Record<string, Access> = {
  "artifacts.dataset": "analyst",
  "artifacts.json": "analyst",
  "artifacts.metadata": "analyst",
  "artifacts.preview": "analyst",
  "artifacts.rows": "analyst",
  "audit.list": "manager",
  "connections.create": "admin",
  "connections.delete": "admin",
  "connections.list": "analyst",
  "connections.test": "analyst",
  "dashboard.get": "manager",
  "deployments.endChallenge": "manager",
  "deployments.list": "analyst",
  "deployments.promote": "manager",
  "deployments.rollback": "manager",
  "deployments.rotateKey": "analyst",
  "deployments.stats": "analyst",
  "deployments.history": "analyst",
  "deployments.usage": "analyst",
  "experiments.forRun": "analyst",
  "health.get": "signed-in",
  "history.compare": "analyst",
  "history.graph": "analyst",
  "history.runs": "analyst",
  "history.setTags": "analyst",
  "history.users": "analyst",
  "me.get": "signed-in",
  "members.add": "admin",
  "members.list": "admin",
  "members.remove": "admin",
  "members.setRole": "admin",
  "models.history": "analyst",
  "models.card": "analyst",
  "models.setCard": "analyst",
  "models.deploy": "analyst",
  "models.list": "analyst",
  "models.register": "analyst",
  "monitoring.results": "analyst",
  "nodes.source": "analyst",
  "nodes.probe": "analyst",
  "nodes.eject": "data_scientist",
  "pipelines.createFromTemplate": "analyst",
  "pipelines.delete": "analyst",
  "pipelines.keyMetric": "analyst",
  "pipelines.setKeyMetric": "analyst",
  "pipelines.diff": "analyst",
  "pipelines.duplicate": "analyst",
  "pipelines.export": "analyst",
  "pipelines.get": "analyst",
  "pipelines.import": "analyst",
  "pipelines.list": "analyst",
  "pipelines.save": "analyst",
  "pipelines.templates": "analyst",
  "pipelines.validate": "analyst",
  "pipelines.versions": "analyst",
  "runs.approve": "manager",
  "runs.approvalContext": "analyst",
  "runs.cancel": "analyst",
  "runs.get": "analyst",
  "runs.list": "analyst",
  "runs.logs": "analyst",
  "runs.resume": "analyst",
  "runs.start": "analyst",
  "runs.startSample": "analyst",
  "schedules.create": "analyst",
  "schedules.delete": "analyst",
  "schedules.list": "analyst",
  "schedules.pause": "analyst",
  "workspaces.create": "admin",
  "workspaces.setFourEyes": "admin",
  "tokens.list": "analyst",
  "tokens.create": "analyst",
  "tokens.createServiceAccount": "admin",
  "tokens.revoke": "analyst",
  "workspaces.setApprovalWebhook": "admin",
  "workspaces.settings": "analyst",
};

type AnyProcedure = { _def: { meta?: { access?: Access }; type: string } };
const procedures = (appRouter as unknown as { _def: { procedures: Record<string, AnyProcedure> } })
  ._def.procedures;

/** Calls a procedure by its path with no input: the role check runs before input parsing. */
async function callByPath(p: Principal | null, procPath: string): Promise<string> {
  const caller = callerFor(p) as unknown as Record<
    string,
    Record<string, (i?: unknown) => unknown>
  >;
  const [ns, name] = procPath.split(".") as [string, string];
  try {
    await caller[ns]![name]!(undefined);
    return "OK";
  } catch (err) {
    return err instanceof TRPCError ? err.code : `THREW ${String(err)}`;
  }
}

const people = {} as Record<Role, Principal>;

beforeAll(async () => {
  const ws = await newWorkspace("Matrix");
  for (const role of roleLadder) people[role] = await principalAs(role, ws.id);
});

afterAll(async () => {
  await closeTemporalClient();
  await closeDb();
});

describe("the role matrix", () => {
  it("has a rule for every procedure, and every procedure follows its rule", () => {
    expect(Object.keys(procedures).sort()).toEqual(Object.keys(expected).sort());
    for (const [procPath, proc] of Object.entries(procedures))
      expect({ procPath, access: proc._def.meta?.access }).toEqual({
        procPath,
        access: expected[procPath],
      });
  });

  // Side effects without input (a run of the sample) are left out of the "allowed" calls.
  const noCall = new Set(["runs.startSample"]);

  it("answers 401 to the signed-out and 403 to roles below the rule, on every procedure", async () => {
    const seen: string[] = [];
    for (const [procPath, access] of Object.entries(expected)) {
      if (access === "public") continue;
      expect({ procPath, code: await callByPath(null, procPath) }).toEqual({
        procPath,
        code: "UNAUTHORIZED",
      });
      if (access === "signed-in") continue;
      const min = roleLadder.indexOf(access);
      for (const [i, role] of roleLadder.entries()) {
        if (i >= min && noCall.has(procPath)) continue;
        const code = await callByPath(people[role], procPath);
        if (i < min)
          expect({ procPath, role, code }).toEqual({ procPath, role, code: "FORBIDDEN" });
        else
          expect({ procPath, role, denied: ["UNAUTHORIZED", "FORBIDDEN"].includes(code) }).toEqual({
            procPath,
            role,
            denied: false,
          });
      }
      seen.push(procPath);
    }
    expect(seen.length).toBeGreaterThan(40);
  });

  it("names the role a caller lacks", async () => {
    await expect(
      callerFor(people.analyst).runs.approve({
        runId: crypto.randomUUID(),
        stepId: "x",
        approved: true,
      }),
    ).rejects.toThrow(/runs\.approve needs the Manager role; you are Analyst in Matrix/);
  });

  it("refuses a signed-in person without a workspace", async () => {
    const p = await principalAs("analyst");
    const db = getDb();
    await db.delete(memberships).where(eq(memberships.userId, p.userId));
    const http = await httpCall(`/api/trpc/pipelines.list`, { cookie: await signIn(p.email) });
    expect(http.status).toBe(403);
    expect(await http.text()).toMatch(/belong to no workspace/);
  });
});

describe("every HTTP route has a rule", () => {
  const routeFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? routeFiles(path.join(dir, e.name))
        : e.name === "route.ts"
          ? [`/${path.relative("app", dir)}`]
          : [],
    );

  it("lists every route.ts under app/ in server/api/http-auth.ts", () => {
    expect(routeFiles("app").sort()).toEqual(Object.keys(httpRoutes).sort());
  });

  it("answers 401 without a session on every signed-in route", async () => {
    const uploads = await import("../../app/api/uploads/route");
    const upload = await import("../../app/api/uploads/[uploadId]/route");
    const complete = await import("../../app/api/uploads/[uploadId]/complete/route");
    const artifact = await import("../../app/api/artifacts/[hash]/route");
    const id = crypto.randomUUID();
    const params = { params: Promise.resolve({ uploadId: id }) };
    const url = (p: string) => `${appUrl()}${p}`;
    const responses = [
      await uploads.POST(new Request(url("/api/uploads"), { method: "POST", body: "{}" })),
      await upload.GET(new Request(url(`/api/uploads/${id}`)), params),
      await upload.PUT(
        new Request(url(`/api/uploads/${id}`), { method: "PUT", body: "x" }),
        params,
      ),
      await complete.POST(
        new Request(url(`/api/uploads/${id}/complete`), { method: "POST" }),
        params,
      ),
      await artifact.GET(new Request(url(`/api/artifacts/${"a".repeat(64)}`)), {
        params: Promise.resolve({ hash: "a".repeat(64) }),
      }),
      await httpCall("/api/trpc/pipelines.list"),
    ];
    expect(responses.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401]);
  });
});

/** A request through the tRPC HTTP handler, as the browser sends it. */
async function httpCall(
  p: string,
  opts: { cookie?: string; method?: string; body?: unknown; origin?: string | null } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.origin !== null) headers.origin = opts.origin ?? appUrl();
  const req = new Request(`${appUrl()}${p}`, {
    method: opts.method ?? "GET",
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const { GET, POST } = await import("../../app/api/trpc/[trpc]/route");
  return (opts.method === "POST" ? POST : GET)(req);
}

let ipCounter = 0;
/** Signs in through Better Auth's real handler and returns the session cookie. */
async function signIn(email: string, password = TEST_PASSWORD, ip = `10.0.0.${++ipCounter}`) {
  const res = await getAuth().handler(
    new Request(`${appUrl()}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: appUrl(), "x-forwarded-for": ip },
      body: JSON.stringify({ email, password }),
    }),
  );
  if (res.status !== 200) throw new Error(`sign-in: ${res.status} ${await res.text()}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

describe("sign-in, cookies and CSRF", () => {
  it("signs in with email and password and acts as that person", async () => {
    const cookie = await signIn(people.manager.email);
    const res = await httpCall("/api/trpc/me.get", { cookie });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { principal: Principal } } };
    expect(body.result.data.principal).toMatchObject({
      email: people.manager.email,
      role: "manager",
    });
    expect(body.result.data.principal.workspaceName).toMatch(/^Matrix /);
  });

  it("sets an httpOnly SameSite session cookie, Secure in production", async () => {
    const cookieOf = async (email: string) => {
      const res = await getAuth().handler(
        new Request(`${appUrl()}/api/auth/sign-in/email`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            origin: appUrl(),
            "x-forwarded-for": "10.1.0.1",
          },
          body: JSON.stringify({ email, password: TEST_PASSWORD }),
        }),
      );
      return res.headers.getSetCookie().find((c) => c.includes("session_token"))!;
    };
    const dev = await cookieOf(people.analyst.email);
    expect(dev).toMatch(/HttpOnly/i);
    expect(dev).toMatch(/SameSite=Lax/i);

    const before = process.env.NODE_ENV;
    (process.env as Record<string, string | undefined>).NODE_ENV = "production";
    resetEnvForTests();
    resetAuthForTests();
    try {
      const prod = await cookieOf(people.analyst.email);
      expect(prod).toMatch(/^__Secure-flowforge\.session_token=/);
      expect(prod).toMatch(/; Secure/i);
      expect(prod).toMatch(/HttpOnly/i);
    } finally {
      (process.env as Record<string, string | undefined>).NODE_ENV = before;
      resetEnvForTests();
      resetAuthForTests();
    }
  });

  it("rate-limits repeated failed sign-ins, by address and by email, and only failures", async () => {
    const attempt = (email: string, password: string, ip: string) =>
      getAuth()
        .handler(
          new Request(`${appUrl()}/api/auth/sign-in/email`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              origin: appUrl(),
              "x-forwarded-for": ip,
            },
            body: JSON.stringify({ email, password }),
          }),
        )
        .then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push(await attempt(people.admin.email, "wrong password", "10.9.9.9"));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // The right password does not help, from that address or for that email from another one.
    expect(await attempt(people.admin.email, TEST_PASSWORD, "10.9.9.9")).toBe(429);
    expect(await attempt(people.admin.email, TEST_PASSWORD, "10.9.9.10")).toBe(429);
    // Someone else from the guessing address is refused too; successful sign-ins cost nothing.
    expect(await attempt(people.analyst.email, TEST_PASSWORD, "10.9.9.9")).toBe(429);
    const ok: number[] = [];
    for (let i = 0; i < 8; i++)
      ok.push(await attempt(people.analyst.email, TEST_PASSWORD, "10.9.9.11"));
    expect(ok).toEqual(Array(8).fill(200));
  });

  it("refuses state-changing requests from another origin", async () => {
    const cookie = await signIn(people.data_scientist.email);
    const doc = pipelineDoc("csrf", [{ id: "a", type: "internal.numbers" }]);
    const post = (origin: string | null) =>
      httpCall("/api/trpc/pipelines.save", {
        cookie,
        method: "POST",
        body: { document: doc },
        origin,
      });
    const evil = await post("https://evil.example");
    expect(evil.status).toBe(403);
    expect(await evil.text()).toMatch(/cross-site POST from https:\/\/evil\.example refused/);
    expect((await post(null)).status).toBe(403);
    expect((await post(appUrl())).status).toBe(200);
  });
});

describe("workspaces are isolated, and approvals are a manager's", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await spawnWorkerProcess("test-worker-authz");
  }, 120_000);
  afterAll(async () => {
    await worker.stop();
  });

  const gated = pipelineDoc(
    "gated deploy",
    [
      { id: "src", type: "internal.numbers" },
      { id: "deploy", type: "internal.sleep", params: { ms: 0, needsApproval: true } },
    ],
    [{ source: "src", sourcePort: "numbers", target: "deploy", targetPort: "in" }],
  );

  it("lets nobody read, run or approve another workspace's work by id", async () => {
    const other = await newWorkspace("Other");
    const outsider = await principalAs("admin", other.id);
    const analyst = callerFor(people.analyst);
    const { pipelineId } = await analyst.pipelines.save({ document: gated });
    const run = await analyst.runs.start({ pipelineId, cache: false });
    await waitFor("the gate", async () => {
      const [s] = await getDb()
        .select()
        .from(runSteps)
        .where(and(eq(runSteps.runId, run.runId), eq(runSteps.stepId, "deploy")));
      return s?.status === "awaiting_approval";
    });
    const [src] = await getDb()
      .select()
      .from(runSteps)
      .where(and(eq(runSteps.runId, run.runId), eq(runSteps.stepId, "src")));
    const hash = (src!.outputs as Record<string, { hash: string }>).numbers!.hash;

    const them = callerFor(outsider);
    const attempts: Record<string, () => Promise<unknown>> = {
      getPipeline: () => them.pipelines.get({ pipelineId }),
      versions: () => them.pipelines.versions({ pipelineId }),
      savePipeline: () => them.pipelines.save({ pipelineId, document: gated }),
      startRun: () => them.runs.start({ pipelineId }),
      getRun: () => them.runs.get({ runId: run.runId }),
      logs: () => them.runs.logs({ runId: run.runId }),
      approve: () => them.runs.approve({ runId: run.runId, stepId: "deploy", approved: true }),
      cancel: () => them.runs.cancel({ runId: run.runId }),
      artifact: () => them.artifacts.preview({ hash }),
      experiments: () => them.experiments.forRun({ runId: run.runId }),
      schedule: () => them.schedules.create({ pipelineId, cron: "0 6 * * *" }),
      approvalContext: () => them.runs.approvalContext({ runId: run.runId, stepId: "deploy" }),
      setKeyMetric: () => them.pipelines.setKeyMetric({ pipelineId, keyMetric: "test.accuracy" }),
      keyMetric: () => them.pipelines.keyMetric({ pipelineId }),
    };
    for (const [what, attempt] of Object.entries(attempts))
      expect({
        what,
        code: await attempt().then(
          () => "OK",
          (e: TRPCError) => e.code,
        ),
      }).toEqual({
        what,
        code: "NOT_FOUND",
      });
    expect((await them.pipelines.list()).map((p) => p.id)).not.toContain(pipelineId);
    // A hash copied into their own pipeline reads nothing either.
    const stolen = await them.pipelines.save({
      document: pipelineDoc("stolen", [
        { id: "up", type: "ingest.upload", params: { upload: { hash, filename: "x.csv" } } },
      ]),
    });
    const stolenRun = await them.runs.start({ pipelineId: stolen.pipelineId, cache: false });
    expect((await waitForRun(await getTemporalClient(), stolenRun.workflowId)).status).toBe(
      "failed",
    );
    expect((await them.runs.get({ runId: stolenRun.runId })).steps[0]?.error).toMatch(
      /Upload x\.csv \([0-9a-f]{12}…\) is not in this workspace/,
    );
    expect((await them.runs.list()).map((r) => r.id)).not.toContain(run.runId);
    // Their own copy of the same pipeline reuses nothing of ours.
    const mine = await them.pipelines.save({ document: gated });
    const theirRun = await them.runs.start({ pipelineId: mine.pipelineId });
    const srcStep = await waitFor("their src step", async () => {
      const [s] = await getDb()
        .select()
        .from(runSteps)
        .where(and(eq(runSteps.runId, theirRun.runId), eq(runSteps.stepId, "src")));
      return s?.status === "succeeded" || s?.status === "cached" ? s : null;
    });
    expect(srcStep.status).toBe("succeeded");
    await them.runs.cancel({ runId: theirRun.runId });

    // In the workspace, an analyst cannot approve; a data scientist neither; a manager can.
    await expect(
      analyst.runs.approve({ runId: run.runId, stepId: "deploy", approved: true }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      callerFor(people.data_scientist).runs.approve({
        runId: run.runId,
        stepId: "deploy",
        approved: true,
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await callerFor(people.manager).runs.approve({
      runId: run.runId,
      stepId: "deploy",
      approved: true,
      comment: "approved in test",
    });
    const summary = await waitForRun(await getTemporalClient(), run.workflowId);
    expect(summary.status).toBe("succeeded");
    const done = await analyst.runs.get({ runId: run.runId });
    expect(done.steps.find((s) => s.stepId === "deploy")!.approval).toMatchObject({
      approved: true,
      by: people.manager.email,
    });

    // The audit log has the save, the start and the approval, visible to managers.
    const log = await callerFor(people.manager).audit.list({ actorEmail: people.manager.email });
    expect(log.map((e) => [e.action, e.targetId])).toContainEqual(["run.approve", run.runId]);
    const saves = await callerFor(people.admin).audit.list({ action: "pipeline.save" });
    expect(
      saves.some((e) => e.targetId === pipelineId && e.actorEmail === people.analyst.email),
    ).toBe(true);
    expect((await them.audit.list()).some((e) => e.targetId === run.runId)).toBe(false);
  });

  it("shows analysts their own runs and managers every run", async () => {
    const a = callerFor(people.analyst);
    const ds = callerFor(people.data_scientist);
    const { pipelineId } = await ds.pipelines.save({
      document: pipelineDoc("ds only", [{ id: "n", type: "internal.numbers" }]),
    });
    const run = await ds.runs.start({ pipelineId });
    await expect(a.runs.get({ runId: run.runId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await a.runs.list()).map((r) => r.id)).not.toContain(run.runId);
    expect((await callerFor(people.manager).runs.list()).map((r) => r.id)).toContain(run.runId);
    expect((await ds.runs.get({ runId: run.runId })).id).toBe(run.runId);
  });

  it("keeps code nodes for data scientists", async () => {
    const code = (source: string) =>
      pipelineDoc("with code", [
        { id: "n", type: "internal.numbers" },
        { id: "py", type: "code.python", params: { code: source } },
      ]);
    const a = callerFor(people.analyst);
    await expect(a.pipelines.save({ document: code("print(1)") })).rejects.toThrow(
      /Editing code nodes \(py\) needs the Data scientist role/,
    );
    const { pipelineId } = await callerFor(people.data_scientist).pipelines.save({
      document: code("print(1)"),
    });
    // Moving things around without touching the code is fine for an analyst.
    const moved = code("print(1)");
    moved.nodes[0] = { ...(moved.nodes[0] as object), position: { x: 50, y: 50 } };
    await a.pipelines.save({ pipelineId, document: moved });
    await expect(
      a.pipelines.save({ pipelineId, document: code("print(2)") }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("keeps the last admin of a workspace", async () => {
    const admin = callerFor(people.admin);
    const ws = await admin.workspaces.create({ name: "Solo" });
    const solo = callerFor({ ...people.admin, workspaceId: ws.id, workspaceName: ws.name });
    await expect(
      solo.members.setRole({ userId: people.admin.userId, role: "analyst" }),
    ).rejects.toThrow(/at least one admin/);
    await solo.members.add({
      email: "second-admin@test.local",
      role: "admin",
      password: TEST_PASSWORD,
    });
    await solo.members.setRole({ userId: people.admin.userId, role: "analyst" });
    const log = await callerFor({
      ...people.admin,
      workspaceId: ws.id,
      role: "manager",
    }).audit.list({
      action: "member.role",
    });
    expect(log[0]?.detail).toMatchObject({ from: "admin", to: "analyst" });
  });
});
