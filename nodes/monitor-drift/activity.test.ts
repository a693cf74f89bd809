import { afterEach, describe, expect, it } from "vitest";
import type { StepServices } from "../sdk/context";
import { fakeStep, type FakeStep } from "../sdk/testing/fake-context";
import { deploymentOutput } from "../sdk/testing/steps";
import { monitorDriftActivity } from "./activity";

let step: FakeStep<unknown> | undefined;
afterEach(() => step?.dispose());

/** A fake monitors service that records its calls and answers with one alert. */
function monitors() {
  const calls: { config: Record<string, unknown>; everyMinutes: number; key: string }[] = [];
  const service: StepServices["monitors"] = {
    start: (config, everyMinutes, key) => {
      calls.push({ config, everyMinutes, key });
      return Promise.resolve({
        scheduleId: `monitor-${String(config.deploymentId)}`,
        firstCheck: { rows: 250, alerts: [{ feature: "surface m²", psi: 0.4 }] },
      });
    },
  };
  return { calls, service };
}

const deployment = deploymentOutput;

describe("monitor.drift", () => {
  it("starts the deployment's monitor with its thresholds and reports the first check", async () => {
    const fakeMonitors = monitors();
    step = await fakeStep({
      params: {
        everyMinutes: 15,
        psiThreshold: 0.3,
        webhookUrl: "https://hooks.example.com/drift",
      },
      inputs: { deployment: { json: deployment } },
      services: { monitors: fakeMonitors.service },
      stepId: "monitor",
    });
    const out = await monitorDriftActivity.activity(step.ctx);
    expect(fakeMonitors.calls).toEqual([
      {
        // everyMinutes is the schedule's, not the check's config.
        config: {
          deploymentId: "d-42",
          windowMinutes: 60,
          minRows: 100,
          psiThreshold: 0.3,
          ksPValue: 0.001,
          predictionPsiThreshold: 0.2,
          webhookUrl: "https://hooks.example.com/drift",
        },
        everyMinutes: 15,
        key: "test-run:monitor",
      },
    ]);
    expect(step.output(out.report).kind).toBe("metrics");
    expect(await step.json(out.report)).toEqual({
      scheduleId: "monitor-d-42",
      everyMinutes: 15,
      firstCheck: { rows: 250, alerts: [{ feature: "surface m²", psi: 0.4 }] },
    });
    expect(step.logs).toEqual([
      "schedule monitor-d-42: every 15 min; first check: 250 rows, 1 alert(s)",
    ]);
  });

  it("fails clearly when the deployment input names no deployment", async () => {
    const fakeMonitors = monitors();
    step = await fakeStep({
      params: {},
      inputs: { deployment: { json: { endpoint: "flat-prices" } } },
      services: { monitors: fakeMonitors.service },
    });
    await expect(monitorDriftActivity.activity(step.ctx)).rejects.toThrow(
      "Monitor: the deployment input does not name a deployment",
    );
    expect(fakeMonitors.calls).toEqual([]);
  });

  it("refuses a retrain pipeline id that is not a uuid", async () => {
    step = await fakeStep({
      params: { retrainPipelineId: "my-pipeline" },
      inputs: { deployment: { json: deployment } },
      services: { monitors: monitors().service },
    });
    const ctx = step.ctx;
    await expect((async () => monitorDriftActivity.activity(ctx))()).rejects.toMatchObject({
      issues: [{ path: ["retrainPipelineId"] }],
    });
  });
});
