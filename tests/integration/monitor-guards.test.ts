import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_WORKSPACE_ID } from "../../server/auth/users";
import { closeDb, getDb } from "../../server/db/client";
import { monitorConfigProblem } from "../../server/monitoring/check";
import { callerAs, newWorkspace } from "../people";
import { pipelineDoc } from "../helpers";

const config = (extra: Record<string, unknown>) => ({
  deploymentId: crypto.randomUUID(),
  windowMinutes: 60,
  minRows: 10,
  psiThreshold: 0.2,
  ksPValue: 0.001,
  predictionPsiThreshold: 0.2,
  ...extra,
});

describe("a monitor's retrain pipeline and webhook", () => {
  afterAll(closeDb);

  it("retrains only pipelines of its own workspace", async () => {
    const other = await newWorkspace("Elsewhere");
    const theirs = await callerAs("admin", other.id).pipelines.save({
      document: pipelineDoc(`theirs ${crypto.randomUUID()}`, [
        { id: "n", type: "internal.numbers", params: { count: 3 } },
      ]),
    });
    const ours = await callerAs("admin").pipelines.save({
      document: pipelineDoc(`ours ${crypto.randomUUID()}`, [
        { id: "n", type: "internal.numbers", params: { count: 3 } },
      ]),
    });
    expect(
      await monitorConfigProblem(
        getDb(),
        config({ retrainPipelineId: theirs.pipelineId }),
        DEFAULT_WORKSPACE_ID,
      ),
    ).toBe(`the retrain pipeline ${theirs.pipelineId} is not a pipeline of this workspace`);
    expect(
      await monitorConfigProblem(
        getDb(),
        config({ retrainPipelineId: ours.pipelineId }),
        DEFAULT_WORKSPACE_ID,
      ),
    ).toBeNull();
  });

  it("refuses a loopback or non-http webhook before anything is scheduled", async () => {
    for (const webhookUrl of [
      "http://127.0.0.1:5433/",
      "http://localhost:3000/api/trpc",
      "file:///etc/passwd",
    ])
      expect(
        await monitorConfigProblem(getDb(), config({ webhookUrl }), DEFAULT_WORKSPACE_ID),
      ).toMatch(/loopback, private or link-local|http:\/\/ or https:\/\//);
    expect(
      await monitorConfigProblem(
        getDb(),
        config({ webhookUrl: "https://hooks.example.com/x" }),
        DEFAULT_WORKSPACE_ID,
      ),
    ).toBeNull();
  });
});
