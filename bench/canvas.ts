import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { APIRequestContext, Page } from "playwright-core";
import { E2E_ADMIN, launchBrowser } from "../tests/e2e/browser";
import { ensureBuilt, productPorts, startProduct, stopProduct } from "../tests/e2e/product";
import { bySize, median, round, writeResult, type BenchCase } from "./lib";

/**
 * `npm run bench -- canvas`: a 1,000-node pipeline in the editor, in headless Chromium: the time
 * until it is interactive and the frame times while panning, against the same graph in a bare
 * React Flow with default nodes (the library's own limit) in the same browser and server.
 */
const N = bySize(1000, 60);
const REPEATS = bySize(3, 1);

function bigPipeline() {
  const cols = 40;
  return {
    apiVersion: "flowforge.dev/v1",
    kind: "Pipeline",
    name: `Canvas bench ${N}`,
    description: "",
    nodes: Array.from({ length: N }, (_, i) => ({
      id: `n${i}`,
      type: "internal.noop",
      params: { tag: `t${i}` },
      position: { x: (i % cols) * 260, y: Math.floor(i / cols) * 140 },
    })),
    edges: Array.from({ length: N - 1 }, (_, j) => ({
      source: `n${Math.floor(j / 3)}`,
      sourcePort: "out",
      target: `n${j + 1}`,
      targetPort: "in",
    })),
  };
}

async function measure(
  page: Page,
  url: string,
): Promise<{ interactiveMs: number; frameMedianMs: number; frameP95Ms: number }> {
  await page.goto("about:blank");
  const t0 = Date.now();
  await page.goto(url);
  await page
    .locator('[data-editor-ready="true"] .react-flow__node')
    .first()
    .waitFor({ timeout: 60_000 })
    .catch(async (err: Error) => {
      const shown = await page
        .locator("body")
        .innerText()
        .catch(() => "?");
      throw new Error(
        `${url} showed no graph (${err.message.split("\n")[0]}); at ${page.url()}: ${shown.slice(0, 500)}`,
      );
    });
  // Interactive: the main thread answers the next frame.
  await page.evaluate("new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))");
  const interactiveMs = Date.now() - t0;

  // A string, not a function: tsx would wrap named functions in a helper the page does not have.
  await page.evaluate(`(() => {
    window.frames_ = [];
    window.recording = true;
    let last = performance.now();
    const tick = (now) => {
      window.frames_.push(now - last);
      last = now;
      if (window.recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  const box = (await page.locator(".react-flow__pane").boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  for (let pass = 0; pass < 3; pass++) {
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx - 400, cy - 250, { steps: 40 });
    await page.mouse.move(cx + 300, cy + 200, { steps: 40 });
    await page.mouse.up();
  }
  const frames = await page.evaluate<number[]>(`(() => {
    window.recording = false;
    return window.frames_.slice(1);
  })()`);
  const sorted = [...frames].sort((a, b) => a - b);
  return {
    interactiveMs,
    frameMedianMs: median(frames),
    frameP95Ms: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
  };
}

/** Signs the context in as the first admin; its pages and requests share the session cookie. */
async function signInAsAdmin(request: APIRequestContext, baseUrl: string): Promise<void> {
  const res = await request.post(`${baseUrl}/api/auth/sign-in/email`, {
    headers: { origin: baseUrl },
    data: { email: E2E_ADMIN.email, password: E2E_ADMIN.password },
  });
  if (!res.ok()) throw new Error(`could not sign in: ${res.status()} ${await res.text()}`);
}

async function saveBigPipeline(request: APIRequestContext, baseUrl: string): Promise<string> {
  const res = await request.post(`${baseUrl}/api/trpc/pipelines.save`, {
    headers: { origin: baseUrl },
    data: { document: bigPipeline() },
  });
  const body = (await res.json()) as { result?: { data: { pipelineId: string } }; error?: unknown };
  if (!body.result)
    throw new Error(`could not save the bench pipeline: ${JSON.stringify(body.error)}`);
  return body.result.data.pipelineId;
}

ensureBuilt();
// The baseline page (app/bench) is served only when this is set.
process.env.BENCH_PAGES = "1";
const dataDir = await mkdtemp(path.join(os.tmpdir(), "flowforge-bench-canvas-"));
const product = await startProduct(dataDir, await productPorts());
const browser = await launchBrowser();
const cases: BenchCase[] = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await signInAsAdmin(context.request, product.baseUrl);
  const id = await saveBigPipeline(context.request, product.baseUrl);

  const page = await context.newPage();
  await measure(page, `${product.baseUrl}/pipelines/${id}`); // warm-up: compiles nothing, fills caches
  const product_: Awaited<ReturnType<typeof measure>>[] = [];
  const baseline: Awaited<ReturnType<typeof measure>>[] = [];
  for (let r = 0; r < REPEATS; r++) {
    product_.push(await measure(page, `${product.baseUrl}/pipelines/${id}`));
    baseline.push(await measure(page, `${product.baseUrl}/bench/react-flow?pipeline=${id}`));
  }
  const pick = (xs: typeof product_, k: keyof (typeof product_)[number]) =>
    round(median(xs.map((x) => x[k])), 1);
  const p = {
    interactiveMs: pick(product_, "interactiveMs"),
    frameMedianMs: pick(product_, "frameMedianMs"),
    frameP95Ms: pick(product_, "frameP95Ms"),
  };
  const b = {
    interactiveMs: pick(baseline, "interactiveMs"),
    frameMedianMs: pick(baseline, "frameMedianMs"),
    frameP95Ms: pick(baseline, "frameP95Ms"),
  };
  cases.push({
    case: `open-and-pan-${N}`,
    label: `${N.toLocaleString("en-US")}-node pipeline in the editor (headless Chromium): open, then pan`,
    product: p,
    baseline: { name: "bare React Flow, default nodes, same graph", ...b },
    ratio: round(p.interactiveMs / b.interactiveMs),
    ratioOf: "time to interactive",
    frameRatio: round(p.frameMedianMs / b.frameMedianMs),
    goal: "interactive < 2000 ms, median frame < 20 ms",
    met: p.interactiveMs < 2000 && p.frameMedianMs < 20,
  });
  console.log(
    `editor: interactive ${p.interactiveMs} ms, frames median ${p.frameMedianMs} ms (p95 ${p.frameP95Ms}); bare React Flow: ${b.interactiveMs} ms, ${b.frameMedianMs} ms (p95 ${b.frameP95Ms})`,
  );
} finally {
  await browser.close();
  await stopProduct(product, dataDir);
  await rm(dataDir, { recursive: true, force: true });
}
const c = cases[0]!;
const file = await writeResult({
  name: "canvas",
  headline: {
    metric: `interactive_ms_${N}_nodes`,
    value: (c.product as { interactiveMs: number }).interactiveMs,
    goal: "< 2000 ms, median frame < 20 ms",
    met: c.met === true,
  },
  cases,
});
console.log(`wrote ${file}`);
process.exit(0);
