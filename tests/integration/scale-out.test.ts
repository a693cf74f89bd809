import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerAs } from "../people";
import { closeDb } from "../../server/db/client";
import { createS3Client, S3ArtifactStore } from "../../server/artifacts/s3-store";
import { waitForRun } from "../../server/services/runs";
import { closeTemporalClient, getTemporalClient } from "../../server/temporal/client";
import { pipelineDoc, spawnWorkerProcess, type WorkerProcess } from "../helpers";
import { startS3TestServer, type S3TestServer } from "../s3-server";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

describe("scale-out: workers on different machines share one S3 store", () => {
  let s3: S3TestServer;
  let store: S3ArtifactStore;
  const workers: WorkerProcess[] = [];
  const bucket = `scale-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    s3 = await startS3TestServer();
    const client = createS3Client({
      endpoint: s3.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials,
    });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    store = new S3ArtifactStore({ client, bucket, prefix: "ff/", endpoint: s3.endpoint });
    // Each worker gets its own data directory: nothing is shared but PostgreSQL, Temporal and S3.
    const env = (name: string) => ({
      ARTIFACT_STORE: `s3://${bucket}/ff/`,
      S3_ENDPOINT: s3.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      DATA_DIR: `/tmp/flowforge-scale-${name}-${process.pid}`,
      // Two steps at a time each: six parallel branches cannot all fit on one worker.
      WORKER_MAX_CONCURRENT_ACTIVITIES: "2",
    });
    for (const name of ["machine-a", "machine-b"])
      workers.push(await spawnWorkerProcess(name, { env: env(name) }));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await s3?.stop();
    await Promise.all(
      ["machine-a", "machine-b"].map((name) =>
        rm(`/tmp/flowforge-scale-${name}-${process.pid}`, { recursive: true, force: true }),
      ),
    );
    await closeTemporalClient();
    await closeDb();
  });

  it("runs the steps of one run on both workers, handing artifacts over through S3", async () => {
    const api = callerAs("admin");
    const branches = ["a", "b", "c", "d", "e", "f"];
    const saved = await api.pipelines.save({
      document: pipelineDoc(
        `scale-out ${randomUUID()}`,
        [
          { id: "numbers", type: "internal.numbers", params: { count: 20 } },
          ...branches.map((b, i) => ({
            id: `sleep-${b}`,
            type: "internal.sleep",
            params: { ms: 1500 + i },
          })),
          ...branches.map((b) => ({ id: `sum-${b}`, type: "internal.sum" })),
        ],
        branches.flatMap((b) => [
          { source: "numbers", sourcePort: "numbers", target: `sleep-${b}`, targetPort: "in" },
          { source: `sleep-${b}`, sourcePort: "out", target: `sum-${b}`, targetPort: "numbers" },
        ]),
      ),
    });
    const { runId, workflowId } = await api.runs.start({
      pipelineId: saved.pipelineId,
      cache: false,
    });
    const summary = await waitForRun(await getTemporalClient(), workflowId);
    expect(summary.status).toBe("succeeded");

    const run = await api.runs.get({ runId });
    const byWorker = new Map<string, string[]>();
    for (const s of run.steps)
      byWorker.set(s.workerIdentity ?? "?", [
        ...(byWorker.get(s.workerIdentity ?? "?") ?? []),
        s.stepId,
      ]);
    expect([...byWorker.keys()].sort()).toEqual(["machine-a", "machine-b"]);

    // A step whose input was written by the other worker read it from S3, and every output is
    // in the bucket under its hash.
    const worker = new Map(run.steps.map((s) => [s.stepId, s.workerIdentity]));
    const handedOver = branches.filter((b) => worker.get(`sleep-${b}`) !== worker.get(`sum-${b}`));
    const fromNumbers = branches.filter((b) => worker.get("numbers") !== worker.get(`sleep-${b}`));
    expect(handedOver.length + fromNumbers.length).toBeGreaterThan(0);
    for (const s of run.steps)
      for (const ref of Object.values((s.outputs ?? {}) as Record<string, { hash: string }>)) {
        const bytes = await store.get(ref.hash);
        expect(bytes.length).toBeGreaterThan(0);
      }
    const sums = await Promise.all(
      branches.map(async (b) => {
        const out = run.steps.find((s) => s.stepId === `sum-${b}`)!.outputs as Record<
          string,
          { hash: string }
        >;
        return JSON.parse((await store.get(Object.values(out)[0]!.hash)).toString()) as unknown;
      }),
    );
    // The same numbers through every branch: the same sum, whoever computed it.
    expect(new Set(sums.map((x) => JSON.stringify(x))).size).toBe(1);
  }, 180_000);
});
