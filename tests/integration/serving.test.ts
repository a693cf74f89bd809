import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callerAs } from "../people";
import { closeDb } from "../../server/db/client";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { startServing, type Serving } from "../serving";
import { ensurePythonPackages } from "../../lib/sandbox/python-packages";

const execFileAsync = promisify(execFile);
import { pipelineDoc, spawnWorkerProcess, tritonclient, type WorkerProcess } from "../helpers";

const api = callerAs("admin");
/** Four eyes: whoever started a run does not approve it. */
const approver = callerAs("manager");
const endpoint = `penguins-${crypto.randomUUID().slice(0, 8)}`;

/** Upstream steps are cached after the first run, so each deploy run trains only what changed. */
async function deployRun(trees: number, deploy: Record<string, unknown>) {
  const three = (a: string, b: string) =>
    ["train", "validation", "test"].map((p) => ({
      source: a,
      sourcePort: p,
      target: b,
      targetPort: p,
    }));
  const nodes = [
    { id: "raw", type: "ingest.sample", params: { dataset: "penguins" } },
    {
      id: "split",
      type: "prep.split",
      params: { method: "stratified", column: "species", seed: 5 },
    },
    { id: "impute", type: "prep.impute", params: { strategy: "mean" } },
    { id: "encode", type: "prep.encode", params: { exclude: ["species"] } },
    { id: "gbdt", type: "train.gbdt", params: { label: "species", trees, minDataInLeaf: 5 } },
    {
      id: "deploy",
      type: "deploy.endpoint",
      params: { endpoint, rateLimitPerMinute: 100_000, ...deploy },
    },
  ];
  const edges = [
    { source: "raw", sourcePort: "dataset", target: "split", targetPort: "input" },
    ...three("split", "impute"),
    ...three("impute", "encode"),
    { source: "encode", sourcePort: "train", target: "gbdt", targetPort: "train" },
    { source: "encode", sourcePort: "validation", target: "gbdt", targetPort: "validation" },
    { source: "gbdt", sourcePort: "model", target: "deploy", targetPort: "model" },
    { source: "split", sourcePort: "train", target: "deploy", targetPort: "reference" },
  ];
  const saved = await api.pipelines.save({
    document: pipelineDoc(`serving ${crypto.randomUUID()}`, nodes, edges),
  });
  return api.runs.start({ pipelineId: saved.pipelineId, cache: true });
}

async function finish(started: { runId: string; workflowId: string }) {
  await waitForRun(await getTemporalClient(), started.workflowId);
  const run = await api.runs.get({ runId: started.runId });
  expect(run.steps.filter((s) => s.error).map((s) => `${s.stepId}: ${s.error}`)).toEqual([]);
  expect(run.status).toBe("succeeded");
  return run;
}

const penguin = {
  island: "Biscoe",
  bill_length_mm: 47.5,
  bill_depth_mm: 15.0,
  flipper_length_mm: 218,
  body_mass_g: 4950,
  sex: "male",
  year: 2008,
};

describe("deploy and serve over HTTP", () => {
  let worker: WorkerProcess;
  let serving: Serving;
  let key: string;
  let firstRunId: string;
  let sql: postgres.Sql;

  beforeAll(async () => {
    worker = await spawnWorkerProcess("serving-worker");
    serving = await startServing();
    sql = postgres(inject("databaseUrl"), { max: 1 });
  }, 120_000);
  afterAll(async () => {
    await serving.stop();
    await worker.stop();
    await sql.end();
    await closeTemporalClient();
    await closeDb();
  });

  const call = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${serving.base}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const predict = async (records = [penguin]) => {
    const r = await call(`/v2/models/${endpoint}/predict`, { records });
    expect(r.status).toBe(200);
    return (await r.json()) as {
      version: number;
      predictions: { id: string; label: string; probabilities: Record<string, number> }[];
    };
  };
  const deployment = async () => (await api.deployments.list()).find((d) => d.name === endpoint)!;
  const served = async (version: number) => {
    for (let i = 0; i < 100 && serving.state.get(endpoint)?.primary.version !== version; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(serving.state.get(endpoint)?.primary.version).toBe(version);
  };

  it("deploys v1 and answers OIP v2 and records requests, validating against the signature", async () => {
    const started = await deployRun(10, {});
    await finish(started);
    firstRunId = started.runId;
    key = (await api.deployments.rotateKey({ deploymentId: (await deployment()).id })).apiKey;
    // A refresh already under way may predate the new key: the second one reads it.
    await serving.state.refresh();
    await serving.state.refresh();
    await served(1);

    expect((await call("/v2/health/ready")).status).toBe(200);
    expect((await call(`/v2/models/${endpoint}/ready`)).status).toBe(200);
    const meta = (await (await call(`/v2/models/${endpoint}`)).json()) as {
      inputs: { name: string; datatype: string }[];
      parameters: { classes: string[] };
    };
    expect(meta.parameters.classes).toEqual(["Adelie", "Chinstrap", "Gentoo"]);
    expect(meta.inputs.find((i) => i.name === "island")?.datatype).toBe("BYTES");

    const inputs = meta.inputs.map((i) => ({
      name: i.name,
      shape: [2, 1],
      datatype: i.datatype,
      data: [
        penguin,
        {
          ...penguin,
          island: "Torgersen",
          bill_length_mm: 38,
          flipper_length_mm: 185,
          body_mass_g: 3600,
        },
      ].map((p) => p[i.name as keyof typeof penguin] ?? null),
    }));
    const infer = await call(`/v2/models/${endpoint}/infer`, { inputs });
    expect(infer.status).toBe(200);
    const out = (await infer.json()) as {
      model_version: string;
      outputs: { name: string; shape: number[]; data: unknown[] }[];
    };
    expect(out.model_version).toBe("1");
    expect(out.outputs.find((o) => o.name === "label")!.data).toEqual(["Gentoo", "Adelie"]);
    expect(out.outputs.find((o) => o.name === "probabilities")!.shape).toEqual([2, 3]);

    const records = await predict();
    expect(records.predictions[0]!.label).toBe("Gentoo");
    expect(
      Object.values(records.predictions[0]!.probabilities).reduce((a, b) => a + b),
    ).toBeCloseTo(1, 5);

    // Bad input: each error names the field.
    const bad = async (path: string, body: unknown) => {
      const r = await call(`/v2/models/${endpoint}/${path}`, body);
      expect(r.status).toBe(400);
      return ((await r.json()) as { error: string }).error;
    };
    const at = inputs.findIndex((i) => i.name === "island");
    const wrongType = inputs.map((i, k) => (k === at ? { ...i, datatype: "FP64" } : i));
    expect(await bad("infer", { inputs: wrongType })).toMatch(
      new RegExp(`inputs\\[${at}\\]\\.datatype: input "island" takes BYTES`),
    );
    expect(await bad("infer", { inputs: inputs.filter((i) => i.name !== "island") })).toMatch(
      /missing input.*"island"/,
    );
    expect(await bad("predict", { records: [{ ...penguin, bill_length_mm: "long" }] })).toMatch(
      /records\[0\]\.bill_length_mm: expected a number/,
    );
    const { island: _island, ...noIsland } = penguin;
    expect(await bad("predict", { records: [noIsland] })).toMatch(/records\[0\]\.island: missing/);
    expect(await bad("predict", { records: [{ ...penguin, colour: "blue" }] })).toMatch(
      /records\[0\]\.colour/,
    );
    expect(
      (await call(`/v2/models/${endpoint}/predict`, { records: [penguin] }, { authorization: "" }))
        .status,
    ).toBe(401);
    expect(
      (
        await call(
          `/v2/models/${endpoint}/predict`,
          { records: [penguin] },
          { authorization: "Bearer nope" },
        )
      ).status,
    ).toBe(403);
    // An unknown endpoint answers as a known one this key does not open: names cannot be listed.
    const unknown = await call(`/v2/models/nothing-here/predict`, { records: [penguin] });
    const wrongKey = await call(
      `/v2/models/${endpoint}/predict`,
      { records: [penguin] },
      { authorization: "Bearer nope" },
    );
    expect([unknown.status, wrongKey.status]).toEqual([403, 403]);
    expect((await unknown.json()) as unknown).toEqual({
      error: 'no deployed model "nothing-here" that this key opens',
    });
    expect((await wrongKey.json()) as unknown).toEqual({
      error: `no deployed model "${endpoint}" that this key opens`,
    });
    expect(
      (await call(`/v2/models/nothing-here/predict`, { records: [penguin] }, { authorization: "" }))
        .status,
    ).toBe(401);

    // The web app's /v2 (a web Request) has the same body limit as npm run serve.
    const big = JSON.stringify({ records: [{ ...penguin, island: "x".repeat(33 * 1024 * 1024) }] });
    for (const send of [
      () => call(`/v2/models/${endpoint}/predict`, JSON.parse(big)),
      () =>
        serving.app.fetch(
          new Request(`http://web/v2/models/${endpoint}/predict`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
            body: big,
          }),
        ),
    ]) {
      const r = await send();
      expect(r.status).toBe(400);
      expect(JSON.stringify(await r.json())).toContain("larger than 32 MiB");
    }

    // Feedback by prediction id lands on the logged row.
    const fb = await call(`/v2/models/${endpoint}/feedback`, {
      predictionId: records.predictions[0]!.id,
      label: "Gentoo",
    });
    expect(fb.status).toBe(200);
    const [row] = await sql<{ feedback: { label: string }; inputs: { island: string } }[]>`
      select feedback, inputs from predictions where id = ${records.predictions[0]!.id}`;
    expect(row!.feedback.label).toBe("Gentoo");
    expect(row!.inputs.island).toBe("Biscoe");
  }, 300_000);

  it("shows how to call an endpoint: its inputs and a real training row that it answers", async () => {
    const usage = await api.deployments.usage({ deploymentId: (await deployment()).id });
    expect(usage.label).toBe("species");
    const columns = usage.inputs.map((i) => i.column);
    expect(columns).not.toContain("species");
    expect(Object.keys(usage.example ?? {})).toEqual(columns);
    // A penguin from the training rows, every input present, sent as a caller would.
    expect(Object.values(usage.example!).every((v) => v !== null)).toBe(true);
    const answer = await predict([usage.example as never]);
    expect(["Adelie", "Chinstrap", "Gentoo"]).toContain(answer.predictions[0]!.label);
  });

  it("registers a finished run's model, then deploys that version from the registry", async () => {
    const name = `registered-${crypto.randomUUID().slice(0, 8)}`;
    const registered = await api.models.register({
      runId: firstRunId,
      stepId: "gbdt",
      modelName: name,
    });
    expect(registered).toMatchObject({ modelName: name, version: 1 });
    // The same model again is the same version.
    expect(
      await api.models.register({ runId: firstRunId, stepId: "gbdt", modelName: name }),
    ).toMatchObject({ versionId: registered.versionId });
    await expect(
      api.models.register({ runId: firstRunId, stepId: "split", modelName: name }),
    ).rejects.toThrow(/no trained model to register/);
    await expect(
      callerAs("analyst").models.deploy({
        versionId: registered.versionId,
        endpoint: name,
        alias: "production",
      }),
    ).rejects.toThrow(/Only a manager may deploy to production/);
    const deployed = await callerAs("analyst").models.deploy({
      versionId: registered.versionId,
      endpoint: name,
    });
    expect(deployed.apiKey).toMatch(/^ffk_/);
    for (let i = 0; i < 100 && !serving.state.get(name); i++) {
      await serving.state.refresh();
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await fetch(`${serving.base}/v2/models/${name}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${deployed.apiKey}` },
      body: JSON.stringify({ records: [penguin] }),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { model: string; predictions: { label: string }[] };
    expect(body.model).toBe(name);
    expect(body.predictions[0]!.label).toBe("Gentoo");
  });

  it("answers NVIDIA's Open Inference Protocol client: metadata, readiness, JSON and binary infer", async () => {
    await ensurePythonPackages({ ...tritonclient, log: () => undefined });
    const rows = [penguin, { ...penguin, island: "Torgersen", bill_length_mm: 38, sex: null }];
    const { stdout } = await execFileAsync(
      "python3",
      [
        path.resolve("tests/integration/oip_client.py"),
        serving.base.replace(/^http:\/\//, ""),
        endpoint,
        key,
        JSON.stringify(rows),
      ],
      { env: { ...process.env, PYTHONPATH: tritonclient.dir }, timeout: 60_000 },
    );
    const got = JSON.parse(stdout) as {
      server: { name: string; extensions: string[] };
      server_ready: boolean;
      model_ready: boolean;
      model: { inputs: { name: string; parameters: { column: string } }[] };
      binary: { label: string[]; probabilities: number[][] };
      json: { label: string[]; probabilities: number[][] };
      unknown_model: string;
    };
    expect(got.server.name).toBe("flowforge");
    expect(got.server.extensions).toContain("binary_tensor_data");
    expect([got.server_ready, got.model_ready]).toEqual([true, true]);
    expect(got.model.inputs.map((i) => i.parameters.column)).not.toContain("species");
    // Both encodings answer what /predict answers for the same rows.
    const records = await predict(rows as never);
    const labels = records.predictions.map((p) => p.label);
    expect(got.binary.label).toEqual(labels);
    expect(got.json.label).toEqual(labels);
    const classes = Object.keys(records.predictions[0]!.probabilities);
    got.binary.probabilities.forEach((row, r) =>
      row.forEach((v, k) =>
        expect(v).toBeCloseTo(records.predictions[r]!.probabilities[classes[k]!]!, 5),
      ),
    );
    expect(got.json.probabilities).toEqual(got.binary.probabilities);
    expect(got.unknown_model).toMatch(/no deployed model "no-such-model"/);
  });

  it("answers random and mutated requests with a result or a 400 naming the field, never a 500", async () => {
    // A key of its own, so these requests do not count against the next tests' rate limit.
    const rotate = async () => {
      key = (await api.deployments.rotateKey({ deploymentId: (await deployment()).id })).apiKey;
      await serving.state.refresh();
      await serving.state.refresh();
    };
    await rotate();
    const good = { records: [penguin] };
    const send = async (route: string, body: string) => {
      const r = await fetch(`${serving.base}/v2/models/${endpoint}/${route}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body,
      });
      const json = (await r.json()) as { error?: string };
      expect({ status: r.status, error: r.status === 200 ? undefined : typeof json.error }).toEqual(
        { status: r.status === 200 ? 200 : 400, error: r.status === 200 ? undefined : "string" },
      );
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("predict", "infer"),
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc
            .tuple(fc.constantFrom(...Object.keys(penguin)), fc.jsonValue())
            .map(([k, v]) => JSON.stringify({ records: [{ ...penguin, [k]: v }] })),
          fc.tuple(fc.nat(), fc.string({ maxLength: 4 })).map(([at, junk]) => {
            const text = JSON.stringify(good);
            const i = at % text.length;
            return text.slice(0, i) + junk + text.slice(i + 1);
          }),
        ),
        (route, body) => send(route, body),
      ),
      { numRuns: 150 },
    );
    await rotate();
  }, 120_000);

  it("swaps to v2 under concurrent load with no failed request", async () => {
    let stop = false;
    const seen = new Set<number>();
    const failures: string[] = [];
    const load = Array.from({ length: 6 }, async () => {
      while (!stop) {
        const r = await call(`/v2/models/${endpoint}/predict`, { records: [penguin] });
        if (r.status !== 200) failures.push(`${r.status} ${await r.text()}`);
        else seen.add(((await r.json()) as { version: number }).version);
      }
    });
    await finish(await deployRun(20, {}));
    await served(2);
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(load);
    expect(failures).toEqual([]);
    expect([...seen].sort()).toEqual([1, 2]);
  }, 300_000);

  it("splits canary traffic by the configured share, then promotes", async () => {
    await finish(await deployRun(30, { strategy: "canary", canaryPercent: 30 }));
    for (let i = 0; i < 100 && !serving.state.get(endpoint)?.challenger; i++)
      await new Promise((r) => setTimeout(r, 100));
    const versions: number[] = [];
    for (let i = 0; i < 400; i++) versions.push((await predict()).version);
    const share = versions.filter((v) => v === 3).length / versions.length;
    expect(versions.every((v) => v === 2 || v === 3)).toBe(true);
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.38);
    await api.deployments.promote({ deploymentId: (await deployment()).id });
    await served(3);
  }, 300_000);

  it("mirrors to a shadow without changing answers, and rolls back", async () => {
    await finish(await deployRun(40, { strategy: "shadow" }));
    for (let i = 0; i < 100 && !serving.state.get(endpoint)?.challenger; i++)
      await new Promise((r) => setTimeout(r, 100));
    const since = new Date();
    for (let i = 0; i < 20; i++) expect((await predict()).version).toBe(3);
    await serving.logger.flush();
    await new Promise((r) => setTimeout(r, 300));
    await serving.logger.flush();
    const roles = await sql<{ role: string; n: number }[]>`
      select role, count(*)::int as n from predictions
      where deployment_id = ${(await deployment()).id} and created_at >= ${since} group by role order by role`;
    expect(roles).toEqual([
      { role: "primary", n: 20 },
      { role: "shadow", n: 20 },
    ]);

    await api.deployments.rollback({ deploymentId: (await deployment()).id });
    await served(2);
    expect((await predict()).version).toBe(2);
    const history = await api.models.history();
    const id = (await deployment()).id;
    expect(history.filter((h) => h.deploymentId === id).map((h) => h.action)).toEqual(
      expect.arrayContaining(["create", "replace", "canary", "promote", "shadow", "rollback"]),
    );
  }, 300_000);

  it("holds a production deploy until approved", async () => {
    const started = await deployRun(40, { alias: "production" });
    let run = await api.runs.get({ runId: started.runId });
    for (
      let i = 0;
      i < 200 && run.steps.find((s) => s.stepId === "deploy")!.status !== "awaiting_approval";
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
      run = await api.runs.get({ runId: started.runId });
    }
    expect(run.steps.find((s) => s.stepId === "deploy")!.status).toBe("awaiting_approval");
    await approver.runs.approve({ runId: started.runId, stepId: "deploy", approved: true });
    const done = await finish(started);
    expect(done.steps.find((s) => s.stepId === "deploy")!.approval?.approved).toBe(true);
    expect((await deployment()).alias).toBe("production");
    // A key for production is a manager's to create; an analyst's request is refused.
    await expect(
      callerAs("analyst").deployments.rotateKey({ deploymentId: (await deployment()).id }),
    ).rejects.toThrow(/Only a manager may create a key for ".*": it serves production/);

    // No side door: a staging deploy (replace or canary) onto the production endpoint is refused
    // at once, and what production serves is unchanged.
    const before = await deployment();
    for (const strategy of ["replace", "canary"]) {
      const sneaky = await deployRun(45, { alias: "staging", strategy });
      await waitForRun(await getTemporalClient(), sneaky.workflowId);
      const refused = await api.runs.get({ runId: sneaky.runId });
      const step = refused.steps.find((s) => s.stepId === "deploy")!;
      expect(step.status).toBe("failed");
      expect(step.attempts).toBe(1);
      expect(step.error).toContain(`endpoint "${endpoint}" serves production`);
      expect(step.error).toContain("manager's approval");
    }
    const after = await deployment();
    expect(after).toMatchObject({
      alias: "production",
      primaryVersionId: before.primaryVersionId,
      challengerVersionId: null,
    });
  }, 300_000);

  it("rate-limits each key", async () => {
    await sql`update deployments set rate_limit_per_minute = 3, revision = revision + 1 where name = ${endpoint}`;
    for (let i = 0; i < 50 && serving.state.get(endpoint)?.rateLimitPerMinute !== 3; i++)
      await new Promise((r) => setTimeout(r, 100));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await call(`/v2/models/${endpoint}/predict`, { records: [penguin] })).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);

    // The deployment's page over time: answered requests with latency, the refused ones by
    // status (the 400s of the random requests, these 429s, a wrong key's 403), the versions.
    const wrongKey = await fetch(`${serving.base}/v2/models/${endpoint}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer ffk_wrong" },
      body: JSON.stringify({ records: [penguin] }),
    });
    expect(wrongKey.status).toBe(403);
    await serving.logger.flushErrors();
    await serving.logger.flush();
    const h = await api.deployments.history({ deploymentId: (await deployment()).id, hours: 1 });
    expect(h.bucketSeconds).toBe(300);
    expect(h.errorsByStatus["429"]).toBe(2);
    expect(h.errorsByStatus["403"]).toBeGreaterThanOrEqual(1);
    expect(h.errorsByStatus["400"]).toBeGreaterThan(10);
    expect(h.errorsByStatus["500"]).toBeUndefined();
    const answered = h.buckets.reduce((n, b) => n + b.requests, 0);
    expect(answered).toBeGreaterThan(100);
    expect(h.buckets.every((b) => b.requests === 0 || (b.p50 !== null && b.p99! >= b.p50))).toBe(
      true,
    );
    expect(h.changes.map((c) => c.version)).toContain(2);
    expect(h.changes.some((c) => c.previous === 1 && c.version === 2)).toBe(true);
  }, 60_000);
});
