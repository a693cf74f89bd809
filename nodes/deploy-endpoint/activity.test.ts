import { describe, expect, it } from "vitest";
import type { StepServices } from "../sdk/context";
import { deploymentOutput, encodedLinearModel, useFakeSteps } from "../sdk/testing/steps";
import { deployEndpointActivity } from "./activity";

const islands = ["Biscoe", "Dream", "Torgersen", null];
const flats = Array.from({ length: 20 }, (_, i) => ({
  Île: islands[i % 4]!,
  "surface m²": i % 5 === 0 ? null : 10 + i,
  price: 100 * (10 + i),
}));

const fake = useFakeSteps();

/** A model with a signature, trained on the rows with a surface. */
const trainedModel = () =>
  encodedLinearModel(
    fake,
    flats.filter((f) => f["surface m²"] !== null),
    "price",
  );

/** A fake registry that records every call and answers as a fresh one would. */
function registry() {
  const calls: { method: string; input: Record<string, unknown> }[] = [];
  const service: StepServices["registry"] = {
    registerVersion: (input) => {
      calls.push({ method: "registerVersion", input });
      return Promise.resolve({
        model: { id: "m-1", name: input.modelName },
        version: { id: "v-3", version: 3 },
      });
    },
    setAlias: (input) => {
      calls.push({ method: "setAlias", input });
      return Promise.resolve();
    },
    deploy: (input) => {
      calls.push({ method: "deploy", input });
      return Promise.resolve({ deploymentId: "d-42" });
    },
  };
  return { calls, service };
}

describe("deploy.endpoint", () => {
  it("registers the model, moves the alias and deploys, keyed by run and step", async () => {
    const model = await trainedModel();
    const fakeRegistry = registry();
    const step = await fake({
      params: { endpoint: "flat-prices", model: "flats" },
      inputs: { model },
      services: { registry: fakeRegistry.service },
      stepId: "deploy",
    });
    const out = await deployEndpointActivity.activity(step.ctx);
    const key = "test-run:deploy";
    expect(fakeRegistry.calls.map((c) => c.method)).toEqual([
      "registerVersion",
      "setAlias",
      "deploy",
    ]);
    const [register, alias, deploy] = fakeRegistry.calls.map((c) => c.input);
    expect(register).toMatchObject({
      modelName: "flats",
      artifactHash: model.hash,
      algorithm: "linear",
      signature: {
        task: "regression",
        label: "price",
        inputs: [
          expect.objectContaining({ column: "Île", type: "string" }),
          expect.objectContaining({ column: "surface m²", type: "double" }),
        ],
      },
      metrics: model.metadata.metrics,
      lineage: { stepId: "train", deployRunId: "test-run", deployStepId: "deploy" },
      idempotencyKey: key,
    });
    expect(register!.reference).toBeUndefined();
    expect(alias).toEqual({
      modelId: "m-1",
      alias: "staging",
      versionId: "v-3",
      idempotencyKey: key,
    });
    expect(deploy).toEqual({
      name: "flat-prices",
      modelId: "m-1",
      alias: "staging",
      versionId: "v-3",
      strategy: "replace",
      challengerPercent: 10,
      rateLimitPerMinute: 600,
      idempotencyKey: key,
    });
    expect(step.output(out.deployment).kind).toBe("deployment");
    expect(await step.json(out.deployment)).toEqual(deploymentOutput);
    expect(step.logs).toContain("flat-prices: flats v3 (replace, alias staging)");
  });

  it("stores the reference distributions of the raw inputs; a canary leaves the alias alone", async () => {
    const model = await trainedModel();
    const fakeRegistry = registry();
    const step = await fake({
      params: { endpoint: "flat-prices", strategy: "canary", canaryPercent: 25 },
      inputs: { model, reference: { rows: flats } },
      services: { registry: fakeRegistry.service },
    });
    await deployEndpointActivity.activity(step.ctx);
    expect(fakeRegistry.calls.map((c) => c.method)).toEqual(["registerVersion", "deploy"]);
    const [register, deploy] = fakeRegistry.calls.map((c) => c.input);
    expect(register!.modelName).toBe("flat-prices");
    const { features } = register!.reference as { features: Record<string, unknown>[] };
    expect(features).toHaveLength(2);
    // Missing text counts as its own (empty) category; missing numbers count apart, as a share.
    expect(features[0]).toEqual({
      kind: "categorical",
      column: "Île",
      proportions: { Biscoe: 0.25, Dream: 0.25, Torgersen: 0.25, "": 0.25 },
      other: 0,
    });
    expect(features[1]).toMatchObject({ kind: "numeric", column: "surface m²", missing: 0.2 });
    expect(deploy).toMatchObject({ strategy: "canary", challengerPercent: 25 });
  });

  it("refuses a model input without a signature", async () => {
    const fakeRegistry = registry();
    const step = await fake({
      params: { endpoint: "flat-prices" },
      inputs: { model: { rows: flats } },
      services: { registry: fakeRegistry.service },
    });
    await expect(deployEndpointActivity.activity(step.ctx)).rejects.toThrow(
      "Deploy: the model input is not a trained model",
    );
    expect(fakeRegistry.calls).toEqual([]);
  });

  it("names the model input the reference rows lack, before registering anything", async () => {
    const model = await trainedModel();
    const fakeRegistry = registry();
    const step = await fake({
      params: { endpoint: "flat-prices" },
      inputs: { model, reference: { rows: flats.map(({ Île: _, ...rest }) => rest) } },
      services: { registry: fakeRegistry.service },
    });
    await expect(deployEndpointActivity.activity(step.ctx)).rejects.toThrow(
      'Deploy: the reference dataset lacks the model input "Île"; connect the raw training rows',
    );
    expect(fakeRegistry.calls).toEqual([]);
  });
});
