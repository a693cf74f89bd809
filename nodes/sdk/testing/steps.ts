import { afterEach } from "vitest";
import { prepEncodeActivity } from "../../prep-encode/activity";
import { trainLinearActivity } from "../../train-linear/activity";
import { fakeStep, type FakeArtifact, type FakeStep } from "./fake-context";

/** Makes fake steps for a test file and disposes of them after each test. */
export function useFakeSteps(): (
  options: Parameters<typeof fakeStep>[0],
) => Promise<FakeStep<unknown>> {
  const steps: FakeStep<unknown>[] = [];
  afterEach(async () => {
    for (const s of steps.splice(0)) await s.dispose();
  });
  return async (options) => {
    const s = await fakeStep(options);
    steps.push(s);
    return s;
  };
}

/**
 * A model as a pipeline makes one: Encode (every text column but the label) then linear
 * regression on `label`, so the exported model takes the raw rows, text included.
 */
export async function encodedLinearModel(
  fake: ReturnType<typeof useFakeSteps>,
  rows: Record<string, unknown>[],
  label: string,
  stepId = "train",
): Promise<FakeArtifact> {
  const encode = await fake({ params: { exclude: [label] }, inputs: { train: { rows } } });
  const encoded = await prepEncodeActivity.activity(encode.ctx);
  const train = await fake({
    params: { label, alpha: 0.0001 },
    inputs: { train: encode.output(encoded.train) },
    stepId,
  });
  return train.output((await trainLinearActivity.activity(train.ctx)).model);
}

/** What deploy.endpoint writes on its deployment output, for the nodes downstream of it. */
export const deploymentOutput = {
  deploymentId: "d-42",
  endpoint: "flat-prices",
  model: "flats",
  version: 3,
  versionId: "v-3",
  strategy: "replace",
  alias: "staging",
  infer: "/v2/models/flat-prices/infer",
};

/** Rows with what real files have: accents and units in names, a date as text, a missing value. */
export const salesRows = [
  { "Store Name": "Zürich Nord", day: "2026-01-15", "montant (€)": 12.5 },
  { "Store Name": "Zürich Nord", day: "2026-01-16", "montant (€)": null },
  { "Store Name": "Genève", day: "2026-01-15", "montant (€)": 7 },
];
