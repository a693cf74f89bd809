import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { HttpBindings } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { Db } from "../db/client";
import { predictions } from "../db/schema";
import { hashApiKey } from "../services/registry";
import { PayloadError } from "../../lib/errors";
import type { PredictionLogger } from "./logger";
import {
  decodeInferRequest,
  encodeInferResponse,
  requestedOutputs,
  type InferRequest,
  type OutputTensor,
} from "./binary";
import { columnsFromInfer, columnsFromRecords, rowRecord, type Columns } from "./payload";
import type { Scored } from "./scorer";
import type { Endpoint, LoadedVersion, ServingState } from "./state";

function rowOutputs(v: LoadedVersion, s: Scored, r: number): Record<string, unknown> {
  if (s.prediction) return { prediction: s.prediction[r] };
  const classes = v.signature.classes ?? [];
  return {
    label: s.label![r],
    probabilities: Object.fromEntries(
      classes.map((c, k) => [String(c), s.probabilities![r * classes.length + k]]),
    ),
  };
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * The request's body, at most MAX_BODY_BYTES. Under `npm run serve` it is read straight from
 * Node's request, which costs the HTTP thread less than going through a web Request; mounted in
 * the web app, through it.
 */
async function readBody(c: Context): Promise<Buffer> {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (!incoming) return readLimited(c.req.raw);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    incoming.on("error", reject);
    incoming.on("end", () => {
      if (size > MAX_BODY_BYTES) return reject(tooLarge());
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
  });
}

const readJson = async (c: Context): Promise<unknown> =>
  JSON.parse((await readBody(c)).toString("utf8")) as unknown;

const tooLarge = () => new PayloadError("body", `larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`);

/** A web Request's body (the web app's /v2), with the same limit as `npm run serve`. */
async function readLimited(request: Request): Promise<Buffer> {
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    size += next.value.length;
    if (size > MAX_BODY_BYTES) {
      await reader?.cancel();
      throw tooLarge();
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks);
}

const httpError = (c: Context, status: 400 | 401 | 403 | 404 | 429 | 503, error: string) =>
  c.json({ error }, status);

/**
 * The serving API: Open Inference Protocol v2 REST plus a plain JSON route for records and a
 * feedback route, each endpoint reached with its own API key and rate limit. Mounted by
 * `npm run serve` and, for one-machine setups, by the web app under the same paths.
 */
export function createServingApp(deps: { db: Db; state: ServingState; logger: PredictionLogger }) {
  const { db, state, logger } = deps;
  const limiters = new Map<string, RateLimiterMemory>();
  const verifiedKeys = new Map<string, string>();
  const app = new Hono();

  app.get("/v2/health/live", (c) => c.json({ live: true }));
  app.get("/v2/health/ready", (c) =>
    state.ready
      ? c.json({ ready: true, endpoints: state.list().length, problems: state.lastError })
      : c.json({ ready: false, error: state.lastError }, 503),
  );
  app.get("/v2", (c) =>
    c.json({
      name: "flowforge",
      version: "1",
      extensions: ["binary_tensor_data", "records", "feedback"],
    }),
  );

  /** The endpoint a request names, after its API key and rate limit are checked. */
  async function authorize(c: Context): Promise<Endpoint | Response> {
    const name = c.req.param("name") ?? "";
    const header = c.req.header("authorization");
    const key = header?.startsWith("Bearer ") ? header.slice(7) : c.req.header("x-api-key");
    if (!key)
      return httpError(c, 401, "missing API key: send Authorization: Bearer <key> or x-api-key");
    // An unknown endpoint and a key that does not open a known one answer alike, so that nobody
    // without a key can list endpoint names.
    const endpoint = state.get(name);
    const refused = () =>
      httpError(c, 403, `no deployed model "${name}" that this key opens`.slice(0, 200));
    if (!endpoint) {
      hashApiKey(key);
      return refused();
    }
    // Hashing every request's key is measurable at thousands of requests per second; a key that
    // matched once is remembered with the hash it matched (a rotated key no longer matches it).
    if (verifiedKeys.get(key) !== endpoint.apiKeyHash) {
      if (hashApiKey(key) !== endpoint.apiKeyHash) return refused();
      if (verifiedKeys.size > 10_000) verifiedKeys.clear();
      verifiedKeys.set(key, endpoint.apiKeyHash);
    }
    let limiter = limiters.get(endpoint.id);
    if (!limiter || limiter.points !== endpoint.rateLimitPerMinute) {
      limiter = new RateLimiterMemory({ points: endpoint.rateLimitPerMinute, duration: 60 });
      limiters.set(endpoint.id, limiter);
    }
    try {
      await limiter.consume(endpoint.apiKeyHash);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      c.header("Retry-After", String(Math.ceil(err.msBeforeNext / 1000)));
      return httpError(
        c,
        429,
        `rate limit of ${endpoint.rateLimitPerMinute} requests per minute reached`,
      );
    }
    return endpoint;
  }

  /** Picks who answers (canary), scores, mirrors to a shadow, and logs every row. */
  async function predict(
    endpoint: Endpoint,
    parse: (v: LoadedVersion) => { rows: number; columns: Columns },
  ) {
    const started = performance.now();
    const canary =
      endpoint.strategy === "canary" &&
      endpoint.challenger !== undefined &&
      Math.random() * 100 < endpoint.challengerPercent;
    const answering = canary ? endpoint.challenger! : endpoint.primary;
    const { rows, columns } = parse(answering);
    const scored = await answering.scorer.run(rows, columns);
    const latencyMs = Math.round(performance.now() - started);
    const ids = Array.from({ length: rows }, () => randomUUID());
    logger.log(
      ids.map((id, r) => ({
        id,
        deploymentId: endpoint.id,
        versionId: answering.versionId,
        role: canary ? "canary" : "primary",
        inputs: rowRecord(answering.signature, columns, r),
        outputs: rowOutputs(answering, scored, r),
        latencyMs,
      })),
    );
    const shadow = endpoint.strategy === "shadow" ? endpoint.challenger : undefined;
    if (shadow) {
      // After the answer is computed and never awaited by the request: a slow or failing shadow
      // cannot change or delay what the caller gets.
      setImmediate(() => {
        const t0 = performance.now();
        shadow.scorer
          .run(rows, columns)
          .then((s) =>
            logger.log(
              ids.map((id, r) => ({
                id: randomUUID(),
                deploymentId: endpoint.id,
                versionId: shadow.versionId,
                role: "shadow",
                inputs: { ...rowRecord(shadow.signature, columns, r), _primaryPrediction: id },
                outputs: rowOutputs(shadow, s, r),
                latencyMs: Math.round(performance.now() - t0),
              })),
            ),
          )
          .catch(() => undefined);
      });
    }
    return { answering, scored, ids, rows };
  }

  /** The named endpoint's deployment id, for counting a refusal (unknown names count nowhere). */
  const known = (c: Context) => state.get(c.req.param("name") ?? "")?.id;

  const guard =
    (fn: (c: Context, e: Endpoint) => Response | Promise<Response>) => async (c: Context) => {
      const e = await authorize(c);
      if (e instanceof Response) {
        const id = known(c);
        if (id) logger.error(id, e.status);
        return e;
      }
      try {
        const res = await fn(c, e);
        if (res.status >= 400) logger.error(e.id, res.status);
        return res;
      } catch (err) {
        if (err instanceof PayloadError) {
          logger.error(e.id, 400);
          return c.json({ error: err.message, field: err.field }, 400);
        }
        if (err instanceof SyntaxError) {
          logger.error(e.id, 400);
          return httpError(c, 400, `body: not valid JSON (${err.message})`);
        }
        logger.error(e.id, 500);
        throw err;
      }
    };

  app.get(
    "/v2/models/:name",
    guard((c, e) => {
      const sig = e.primary.signature;
      return c.json({
        name: e.name,
        versions: [String(e.primary.version)],
        platform: "onnxruntime",
        inputs: sig.inputs.map((i) => ({
          name: i.name,
          datatype: i.type === "string" ? "BYTES" : "FP64",
          shape: [-1, 1],
          parameters: { column: i.column },
        })),
        outputs: sig.outputs.map((o) => ({
          name: o.name,
          datatype: o.type === "string" ? "BYTES" : o.type === "int64" ? "INT64" : "FP32",
          shape: o.shape.map((d) => (typeof d === "number" ? d : -1)),
        })),
        parameters: {
          task: sig.task,
          label: sig.label,
          classes: sig.classes,
          model: e.primary.modelName,
          strategy: e.strategy,
        },
      });
    }),
  );
  app.get(
    "/v2/models/:name/ready",
    guard((c, e) => c.json({ name: e.name, ready: true })),
  );

  app.post(
    "/v2/models/:name/infer",
    guard(async (c, e) => {
      // JSON, or JSON and raw tensor bytes (the binary data extension, tritonclient's default).
      const body = decodeInferRequest(
        await readBody(c),
        c.req.header("inference-header-content-length"),
      ) as InferRequest;
      const { answering, scored, ids, rows } = await predict(e, (v) =>
        columnsFromInfer(v.signature, body),
      );
      const classes = answering.signature.classes ?? [];
      const all: OutputTensor[] = scored.prediction
        ? [{ name: "prediction", datatype: "FP32", shape: [rows], data: scored.prediction }]
        : [
            {
              name: "label",
              datatype: classes.every((k) => typeof k === "number") ? "INT64" : "BYTES",
              shape: [rows],
              data: scored.label!,
            },
            {
              name: "probabilities",
              datatype: "FP32",
              shape: [rows, classes.length],
              data: scored.probabilities!,
            },
          ];
      const { outputs, binary } = requestedOutputs(body, all);
      const response = {
        model_name: e.name,
        model_version: String(answering.version),
        id: typeof body.id === "string" ? body.id : ids[0],
        parameters: { prediction_ids: ids },
        outputs,
      };
      if (!outputs.some((o) => binary(o.name)))
        return c.json(encodeInferResponse(response, () => false).json);
      const { body: bytes, headerLength } = encodeInferResponse(response, binary);
      return c.body(new Uint8Array(bytes), 200, {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(headerLength),
      });
    }),
  );

  app.post(
    "/v2/models/:name/predict",
    guard(async (c, e) => {
      const body = await readJson(c);
      const { answering, scored, ids } = await predict(e, (v) =>
        columnsFromRecords(v.signature, body),
      );
      return c.json({
        model: answering.modelName,
        version: answering.version,
        predictions: ids.map((id, r) => ({ id, ...rowOutputs(answering, scored, r) })),
      });
    }),
  );

  app.post(
    "/v2/models/:name/feedback",
    guard(async (c, e) => {
      const body = await readJson(c);
      const items = (
        typeof body === "object" && body !== null && "feedback" in body ? body.feedback : [body]
      ) as unknown[];
      if (!Array.isArray(items) || items.length === 0 || items.length > 10_000)
        throw new PayloadError("feedback", "expected one {predictionId, label} or a list of them");
      await logger.flush();
      let updated = 0;
      for (const [i, item] of items.entries()) {
        const it = item as { predictionId?: unknown; label?: unknown };
        if (typeof it.predictionId !== "string" || !/^[0-9a-f-]{36}$/i.test(it.predictionId))
          throw new PayloadError(`feedback[${i}].predictionId`, "expected a prediction id (UUID)");
        if (it.label === undefined) throw new PayloadError(`feedback[${i}].label`, "missing");
        const r = await db
          .update(predictions)
          .set({ feedback: { label: it.label }, feedbackAt: new Date() })
          .where(and(eq(predictions.id, it.predictionId), eq(predictions.deploymentId, e.id)))
          .returning({ id: predictions.id });
        if (!r.length)
          return httpError(
            c,
            404,
            `feedback[${i}].predictionId: no prediction ${it.predictionId} on "${e.name}"`,
          );
        updated += r.length;
      }
      return c.json({ updated });
    }),
  );

  app.notFound((c) => httpError(c, 404, `no route ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => c.json({ error: `internal error: ${err.message}` }, 500));
  return app;
}
