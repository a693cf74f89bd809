import { DEFAULT_WORKSPACE_ID } from "../auth/users";
import { readFile } from "node:fs/promises";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { callerAs } from "../../tests/people";
import { closeDb, getDb } from "../db/client";
import { pipelines, runs } from "../db/schema";
import { compilePipeline } from "../compiler/compile";
import {
  deletePipeline,
  duplicatePipeline,
  escapeLikePattern,
  getPipelineVersion,
  listPipelines,
  listVersions,
  savePipeline,
} from "./pipelines";
import { NotFoundError } from "../../lib/errors";
import { ensureSamplePipeline } from "./samples";
import { createFromTemplate, listTemplates, readTemplateDocument } from "./templates";

const WS = { workspaceId: DEFAULT_WORKSPACE_ID };

const api = callerAs("admin");
/** Makes this file's pipelines findable, whatever other test files left in the shared database. */
const tag = `t${crypto.randomUUID().slice(0, 8)}`;

function doc(name: string, description = "") {
  return {
    apiVersion: "flowforge.dev/v1",
    kind: "Pipeline",
    name,
    description,
    nodes: [{ id: "numbers", type: "internal.numbers", params: {} }],
    edges: [],
  };
}

async function readExample(id: string): Promise<unknown> {
  return JSON.parse(await readFile(`examples/${id}.pipeline.json`, "utf8")) as unknown;
}

afterAll(async () => {
  await closeDb();
});

describe("templates", () => {
  it("lists the examples, sorted by file name", async () => {
    const templates = await listTemplates();
    expect(templates).toEqual([
      {
        id: "approval",
        name: "Approval gate",
        description: expect.any(String) as string,
        nodeCount: 3,
      },
      {
        id: "code-nodes",
        name: "Python and TypeScript code",
        description: expect.any(String) as string,
        nodeCount: 4,
      },
      {
        id: "hello",
        name: "Hello pipeline",
        description: expect.any(String) as string,
        nodeCount: 3,
      },
      {
        id: "parallel",
        name: "Parallel branches",
        description: expect.any(String) as string,
        nodeCount: 7,
      },
      {
        id: "penguins-classifier",
        name: "Penguin species classifier",
        description: expect.any(String) as string,
        nodeCount: 10,
      },
      {
        id: "production-deploy",
        name: "Penguins to production",
        description: expect.any(String) as string,
        nodeCount: 7,
      },
    ]);
    for (const t of templates) expect(t.description.length).toBeGreaterThan(0);
    expect(await api.pipelines.templates()).toEqual(templates);
  });

  it.each([
    "approval",
    "code-nodes",
    "hello",
    "parallel",
    "penguins-classifier",
    "production-deploy",
  ])("creates a new pipeline from %s whose version 1 is the file", async (id) => {
    const file = await readExample(id);
    const { pipelineId } = await createFromTemplate(getDb(), id, WS);
    const version = await getPipelineVersion(getDb(), pipelineId);
    expect(version.version).toBe(1);
    expect(version.graph).toEqual(file);
    expect(await listVersions(getDb(), pipelineId)).toHaveLength(1);
    // A second creation is another pipeline, not a new version of the first.
    const again = await createFromTemplate(getDb(), id, WS);
    expect(again.pipelineId).not.toBe(pipelineId);
    expect((await getPipelineVersion(getDb(), again.pipelineId)).version).toBe(1);
  });

  it("compiles the parallel and approval templates as intended", async () => {
    const parallel = compilePipeline(await readExample("parallel"));
    const fast = parallel.plan.steps.find((s) => s.id === "fast");
    const slow = parallel.plan.steps.find((s) => s.id === "slow");
    expect(fast?.params).toMatchObject({ ms: 500 });
    expect(slow?.params).toMatchObject({ ms: 2000 });
    const approval = compilePipeline(await readExample("approval"));
    expect(approval.plan.steps.filter((s) => s.requiresApproval).map((s) => s.id)).toEqual([
      "gate",
    ]);
  });

  it("rejects unknown and hostile template ids without touching the file system outside examples/", async () => {
    const before = (await listPipelines(getDb(), WS)).length;
    for (const id of [
      "../package",
      "..",
      "nope",
      "hello.pipeline",
      "/etc/passwd",
      "hello/../hello",
      "",
      "%2e%2e",
    ]) {
      await expect(createFromTemplate(getDb(), id, WS)).rejects.toBeInstanceOf(NotFoundError);
      await expect(readTemplateDocument(id)).rejects.toBeInstanceOf(NotFoundError);
    }
    await expect(
      api.pipelines.createFromTemplate({ templateId: "../package" }),
    ).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await listPipelines(getDb(), WS)).toHaveLength(before);
  });

  it("keeps the sample pipeline one pipeline across starts, even beside template copies", async () => {
    const first = await ensureSamplePipeline(getDb(), WS);
    await createFromTemplate(getDb(), "hello", WS);
    const second = await ensureSamplePipeline(getDb(), WS);
    expect(second.pipelineId).toBe(first.pipelineId);
    expect(second.created).toBe(false);
  });
});

describe("pipeline list, delete and duplicate", () => {
  it("lists with node count, latest version and latest run, without input through tRPC", async () => {
    const saved = await savePipeline(getDb(), { ...WS, document: doc(`${tag} counted`) });
    const { pipelineId } = saved;
    const list = await api.pipelines.list();
    expect(list.find((p) => p.id === pipelineId)).toMatchObject({
      name: `${tag} counted`,
      latestVersion: 1,
      nodeCount: 1,
      lastRun: null,
    });

    // A second version with more nodes; two runs, the later one failed.
    const v2 = await savePipeline(getDb(), {
      ...WS,
      pipelineId,
      document: {
        ...doc(`${tag} counted`),
        nodes: [
          { id: "numbers", type: "internal.numbers", params: {} },
          { id: "sum", type: "internal.sum", params: {} },
        ],
        edges: [{ source: "numbers", sourcePort: "numbers", target: "sum", targetPort: "numbers" }],
      },
    });
    const { plan, hash } = compilePipeline(v2.version.graph);
    const insertRun = async (status: "succeeded" | "failed", createdAt: Date) => {
      const id = crypto.randomUUID();
      await getDb()
        .insert(runs)
        .values({
          id,
          pipelineId,
          pipelineVersionId: v2.version.id,
          workflowId: `test-${id}`,
          status,
          planHash: hash,
          plan,
          createdAt,
        });
      return id;
    };
    await insertRun("succeeded", new Date(Date.now() - 60_000));
    const latestRunId = await insertRun("failed", new Date());

    const [row] = await listPipelines(getDb(), { ...WS, search: `${tag} counted` });
    expect(row).toMatchObject({ id: pipelineId, latestVersion: 2, nodeCount: 2 });
    expect(row?.lastRun).toMatchObject({ id: latestRunId, status: "failed" });
    expect(row?.lastRun?.createdAt).toBeInstanceOf(Date);
  });

  it("hides a deleted pipeline from the list and refuses to delete it twice", async () => {
    const { pipelineId } = await savePipeline(getDb(), { ...WS, document: doc(`${tag} doomed`) });
    expect((await listPipelines(getDb(), WS)).map((p) => p.id)).toContain(pipelineId);

    const deleted = await api.pipelines.delete({ pipelineId });
    expect(deleted.pipelineId).toBe(pipelineId);
    expect((await listPipelines(getDb(), WS)).map((p) => p.id)).not.toContain(pipelineId);
    expect(await listPipelines(getDb(), { ...WS, search: `${tag} doomed` })).toEqual([]);
    const [row] = await getDb().select().from(pipelines).where(eq(pipelines.id, pipelineId));
    expect(row?.deletedAt).toBeInstanceOf(Date);

    await expect(deletePipeline(getDb(), pipelineId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(api.pipelines.delete({ pipelineId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(deletePipeline(getDb(), crypto.randomUUID())).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(duplicatePipeline(getDb(), pipelineId, WS)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('duplicates the latest version as a new pipeline named "<name> (copy)"', async () => {
    const { pipelineId } = await savePipeline(getDb(), {
      ...WS,
      document: doc(`${tag} original`, "first"),
    });
    const v2 = await savePipeline(getDb(), {
      ...WS,
      pipelineId,
      document: doc(`${tag} original`, "second"),
    });
    expect(v2.version.version).toBe(2);

    const { pipelineId: copyId } = await api.pipelines.duplicate({ pipelineId });
    expect(copyId).not.toBe(pipelineId);
    const copy = await getPipelineVersion(getDb(), copyId);
    expect(copy.version).toBe(1);
    expect(copy.graph).toEqual({ ...(v2.version.graph as object), name: `${tag} original (copy)` });
    const listed = await listPipelines(getDb(), { ...WS, search: `${tag} original` });
    expect(listed.map((p) => p.name).sort()).toEqual([`${tag} original`, `${tag} original (copy)`]);
    // The original is untouched.
    expect((await getPipelineVersion(getDb(), pipelineId)).version).toBe(2);

    // A name at the length limit still makes a valid copy.
    const long = await savePipeline(getDb(), {
      ...WS,
      document: doc(`${tag}${"x".repeat(200 - tag.length)}`),
    });
    const longCopy = await duplicatePipeline(getDb(), long.pipelineId, WS);
    const longName = (
      (await getPipelineVersion(getDb(), longCopy.pipelineId)).graph as { name: string }
    ).name;
    expect(longName).toHaveLength(200);
    expect(longName.endsWith(" (copy)")).toBe(true);

    await expect(duplicatePipeline(getDb(), crypto.randomUUID(), WS)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("searches name and description case-insensitively, with % and _ taken literally", async () => {
    const save = async (name: string, description = "") =>
      (await savePipeline(getDb(), { ...WS, document: doc(name, description) })).pipelineId;
    const churn = await save(`${tag} Churn Model`);
    const described = await save(`${tag} plain`, "Predicts CHURN for the quarter");
    const percent = await save(`${tag} grow 50% more`);
    const fifty = await save(`${tag} grow 50x more`);
    const underscore = await save(`${tag} a_b`);
    const axb = await save(`${tag} axb`);

    const ids = async (search: string) =>
      (await listPipelines(getDb(), { ...WS, search })).map((p) => p.id).sort();

    expect(await ids(`${tag.toUpperCase()} CHURN model`)).toEqual([churn]);
    expect(await ids(`  ${tag} churn model  `)).toEqual([churn]);
    expect(await ids("predicts churn for THE quarter")).toEqual([described]);
    expect((await ids("churn")).includes(churn) && (await ids("churn")).includes(described)).toBe(
      true,
    );
    expect(await ids(`${tag} grow 50%`)).toEqual([percent]);
    expect(await ids(`${tag} grow 50`)).toEqual([percent, fifty].sort());
    expect(await ids(`${tag} a_b`)).toEqual([underscore]);
    expect(await ids(`${tag} a`)).toContain(axb);
    expect(await ids(`${tag} %`)).toEqual([]);
    expect(await ids(`${tag} \\`)).toEqual([]);
    // No SQL reaches the database as text: a quote is just a character.
    expect(await ids(`${tag}' OR '1'='1`)).toEqual([]);
    // Through tRPC too; an empty search lists everything.
    expect((await api.pipelines.list({ search: `${tag} GROW 50%` })).map((p) => p.id)).toEqual([
      percent,
    ]);
    expect((await api.pipelines.list({ search: "" })).length).toBe(
      (await api.pipelines.list()).length,
    );
  });

  it("escapes LIKE wildcards and the escape character", () => {
    expect(escapeLikePattern("100%_a\\b")).toBe("100\\%\\_a\\\\b");
  });
});
