import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../../server/api/root";
import type { Access } from "../../server/api/trpc";
import { appUrl } from "../../server/auth/auth";
import { roleLadder, type Principal, type Role } from "../../common/roles";
import { closeDb, getDb } from "../../server/db/client";
import { apiTokens } from "../../server/db/schema";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, type WorkerProcess } from "../helpers";
import { callerFor, newWorkspace, principalAs } from "../people";

// API tokens, tested only through HTTP: the tRPC route handler and an artifact route, as a CI
// server calls them with `Authorization: Bearer`, no cookie and no Origin.

type Proc = { _def: { type: "query" | "mutation"; meta?: { access: Access } } };
const procedures = (appRouter as unknown as { _def: { procedures: Record<string, Proc> } })._def
  .procedures;

async function http(token: string | null, procPath: string, input?: unknown) {
  const type = procedures[procPath]!._def.type;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const query = type === "query" && input !== undefined;
  const url = `${appUrl()}/api/trpc/${procPath}${query ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ""}`;
  const { GET, POST } = await import("../../app/api/trpc/[trpc]/route");
  const req = new Request(url, {
    method: type === "query" ? "GET" : "POST",
    headers,
    body: type === "mutation" && input !== undefined ? JSON.stringify(input) : undefined,
  });
  const res = await (type === "query" ? GET : POST)(req);
  const body = (await res.json()) as {
    result?: { data: unknown };
    error?: { message: string; data: { code: string } };
  };
  return { status: res.status, data: body.result?.data, error: body.error };
}

const people = {} as Record<Role, Principal>;
const tokens = {} as Record<Role, string>;
let worker: WorkerProcess;

beforeAll(async () => {
  const ws = await newWorkspace("Tokens");
  for (const role of roleLadder) {
    people[role] = await principalAs(role, ws.id);
    tokens[role] = (await callerFor(people[role]).tokens.create({ name: `ci-${role.replace("_", "-")}` })).token;
  }
  worker = await spawnWorkerProcess("test-worker-tokens");
}, 120_000);

afterAll(async () => {
  await worker.stop();
  await closeTemporalClient();
  await closeDb();
});

describe("API tokens over HTTP", () => {
  it("follow the role matrix on every procedure, as a session does", async () => {
    const noCall = new Set(["runs.startSample"]);
    let checked = 0;
    for (const [procPath, proc] of Object.entries(procedures)) {
      const access = proc._def.meta?.access;
      if (!access || access === "public") continue;
      expect({ procPath, status: (await http("fft_not-a-real-token", procPath)).status }).toEqual({
        procPath,
        status: 401,
      });
      if (access === "signed-in") continue;
      const min = roleLadder.indexOf(access);
      for (const [i, role] of roleLadder.entries()) {
        if (i >= min && noCall.has(procPath)) continue;
        const { status } = await http(tokens[role], procPath);
        if (i < min) expect({ procPath, role, status }).toEqual({ procPath, role, status: 403 });
        else
          expect({ procPath, role, denied: status === 401 || status === 403 }).toEqual({
            procPath,
            role,
            denied: false,
          });
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
  });

  it("a service account with the analyst role validates and runs, but does not approve", async () => {
    const sa = await callerFor(people.admin).tokens.createServiceAccount({
      name: "ci-bot",
      role: "analyst",
      expiresInDays: 30,
    });
    expect(sa.token).toMatch(/^fft_/);
    const doc = pipelineDoc(
      "ci gated",
      [
        { id: "src", type: "internal.numbers" },
        { id: "deploy", type: "internal.sleep", params: { ms: 0, needsApproval: true } },
      ],
      [{ source: "src", sourcePort: "numbers", target: "deploy", targetPort: "in" }],
    );
    const valid = await http(sa.token, "pipelines.validate", { document: doc });
    expect(valid).toMatchObject({ status: 200, data: { ok: true } });
    const saved = await http(sa.token, "pipelines.save", { document: doc });
    expect(saved.status).toBe(200);
    const { pipelineId } = saved.data as { pipelineId: string };
    const started = await http(sa.token, "runs.start", { pipelineId });
    expect(started.status).toBe(200);
    const { runId, workflowId } = started.data as { runId: string; workflowId: string };
    const run = await http(sa.token, "runs.get", { runId });
    expect(run.data).toMatchObject({ startedBy: sa.email });
    const approve = await http(sa.token, "runs.approve", {
      runId,
      stepId: "deploy",
      approved: true,
    });
    expect(approve.status).toBe(403);
    expect(approve.error?.message).toMatch(/runs\.approve needs the Manager role; you are Analyst/);
    await callerFor(people.manager).runs.cancel({ runId });
    await waitForRun(await getTemporalClient(), workflowId).catch(() => undefined);

    // It is listed for admins with its last use, never with its secret, and its use is audited.
    const listed = await callerFor(people.admin).tokens.list();
    const row = listed.find((t) => t.id === sa.id)!;
    expect(row).toMatchObject({ kind: "service", role: "analyst", owner: sa.email });
    expect(row.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(sa.token);
    const [stored] = await getDb().select().from(apiTokens).where(eq(apiTokens.id, sa.id));
    expect(stored!.tokenHash).not.toContain(sa.token.slice(4));
    const entries = await callerFor(people.admin).audit.list({ action: "run.start" });
    expect(entries.some((e) => e.actorEmail === sa.email)).toBe(true);
  });

  it("refuses an expired or revoked token with 401, and tokens cannot mint tokens", async () => {
    const me = callerFor(people.analyst);
    const expiring = await me.tokens.create({ name: "short", expiresInDays: 1 });
    expect((await http(expiring.token, "pipelines.list")).status).toBe(200);
    await getDb()
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.id, expiring.id));
    const expired = await http(expiring.token, "pipelines.list");
    expect(expired.status).toBe(401);
    expect(expired.error?.message).toMatch(/expired/);

    const revoking = await me.tokens.create({ name: "revoked" });
    expect((await http(revoking.token, "pipelines.list")).status).toBe(200);
    await me.tokens.revoke({ id: revoking.id });
    const revoked = await http(revoking.token, "pipelines.list");
    expect(revoked.status).toBe(401);
    expect(revoked.error?.message).toMatch(/revoked/);
    // Someone else's token is not theirs to revoke.
    await expect(
      callerFor(people.data_scientist).tokens.revoke({ id: expiring.id }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });

    const minted = await http(tokens.admin, "tokens.create", { name: "from-a-token" });
    expect(minted.status).toBe(403);
    expect(minted.error?.message).toMatch(/signed-in session/);

    // A personal token never gives more than its owner's role, whatever it asked for.
    const capped = await me.tokens.create({ name: "asks-admin", role: "admin" });
    expect(capped.role).toBe("analyst");
    expect((await http(capped.token, "members.list")).status).toBe(403);

    // HTTP routes take the token too: a missing artifact is 404 with it, 401 when revoked.
    const artifact = await import("../../app/api/artifacts/[hash]/route");
    const get = (token: string) =>
      artifact.GET(
        new Request(`${appUrl()}/api/artifacts/${"a".repeat(64)}`, {
          headers: { authorization: `Bearer ${token}` },
        }),
        { params: Promise.resolve({ hash: "a".repeat(64) }) },
      );
    expect((await get(tokens.analyst)).status).toBe(404);
    expect((await get(revoking.token)).status).toBe(401);
    const actions = (await callerFor(people.admin).audit.list({ action: "token.revoke" })).map(
      (e) => e.actorEmail,
    );
    expect(actions).toContain(people.analyst.email);
  });
});
