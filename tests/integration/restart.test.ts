import { DEFAULT_WORKSPACE_ID } from "../../server/auth/users";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client, Connection } from "@temporalio/client";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../../server/db/client";
import { startStackOnFreePorts } from "../../server/embedded/stack";
import { listPipelines, savePipeline } from "../../server/services/pipelines";
import { pipelineDoc } from "../helpers";

const WS = { workspaceId: DEFAULT_WORKSPACE_ID };

const start = (dataDir: string) => startStackOnFreePorts(dataDir);

describe("the embedded stack", () => {
  let dataDir = "";
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps pipelines and workflows across a stop and a start", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "flowforge-restart-"));
    const first = await start(dataDir);
    const { db, sql } = createDb(first.databaseUrl, { max: 2 });
    const saved = await savePipeline(db, {
      ...WS,
      document: pipelineDoc("kept", [{ id: "n", type: "internal.numbers", params: { count: 3 } }]),
    });
    await sql.end();
    const connection = await Connection.connect({ address: first.temporalAddress });
    // No worker polls this queue, so the workflow is still open when the server stops.
    await new Client({ connection }).workflow.start("runPipeline", {
      taskQueue: "nobody-polls-this",
      workflowId: "kept-workflow",
      args: [],
    });
    await connection.close();
    await first.stop();

    const second = await start(dataDir);
    try {
      const again = createDb(second.databaseUrl, { max: 2 });
      const list = await listPipelines(again.db, WS);
      await again.sql.end();
      expect(list.map((p) => [p.id, p.name, p.latestVersion])).toEqual([
        [saved.pipelineId, "kept", 1],
      ]);

      const conn2 = await Connection.connect({ address: second.temporalAddress });
      const description = await new Client({ connection: conn2 }).workflow
        .getHandle("kept-workflow")
        .describe();
      await conn2.close();
      expect(description.status.name).toBe("RUNNING");
    } finally {
      await second.stop();
    }
  });
});
