import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import { BASE_URL, dragTo, launchBrowser, portHandle, signedInPage } from "./browser";

/**
 * Runs against run.ts's second start, whose worker has no Python for code nodes: nobody polls the
 * `python` queue, and a step waits there at most STEP_QUEUE_TIMEOUT_SECONDS (run.ts sets 25).
 */
const QUEUE_TIMEOUT_S = Number(process.env.STEP_QUEUE_TIMEOUT_SECONDS ?? "25");
const NO_WORKER = "No worker polls the python queue";
const FULL_SENTENCE = `${NO_WORKER}: start one with \`npm run worker -- --queues python\``;

let browser: Browser;
let page: Page;
const shots = "test-results/queue-wait";

before(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, { viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (err) => console.error(`pageerror: ${err.message}`));
  await mkdir(shots, { recursive: true });
});
after(async () => {
  await browser.close();
});

const shot = (p: Page, name: string) => p.screenshot({ path: path.join(shots, `${name}.png`) });
const node = (id: string) => page.locator(`[data-node-id="${id}"]`);
const handle = (nodeId: string, port: string, type: "source" | "target") =>
  portHandle(page, nodeId, port, type);
const connect = (from: Locator, to: Locator) => dragTo(page, from, to);

/** Scrolls the inspector with the mouse wheel, as a person does, until `target` shows in it. */
async function scrollInspectorTo(inspector: Locator, target: Locator): Promise<void> {
  const box = (await inspector.boundingBox())!;
  // Below the code editor, which would take the wheel for itself.
  await page.mouse.move(box.x + box.width / 2, box.y + box.height - 40);
  for (let i = 0; i < 20; i++) {
    const t = await target.boundingBox();
    if (t && t.y >= box.y && t.y + t.height <= box.y + box.height) return;
    await page.mouse.wheel(0, 300);
    await page.waitForTimeout(100);
  }
  throw new Error("the inspector did not scroll to show the line");
}

/** Whether `inner` is drawn inside `outer` (not spilling out of the node card). */
async function drawnInside(inner: Locator, outer: Locator): Promise<boolean> {
  const i = (await inner.boundingBox())!;
  const o = (await outer.boundingBox())!;
  return (
    i.x >= o.x - 0.5 &&
    i.y >= o.y - 0.5 &&
    i.x + i.width <= o.x + o.width + 0.5 &&
    i.y + i.height <= o.y + o.height + 0.5
  );
}

void test("a Python step with no worker for its queue says so on the canvas, the inspector and the run page, then fails", async () => {
  // Build the pipeline as a person does: drag two nodes from the palette, connect them.
  await page.goto(`${BASE_URL}/pipelines/new`);
  const canvas = page.locator(".react-flow__pane");
  await page
    .locator('[data-palette-type="ingest.sample"]')
    .dragTo(canvas, { targetPosition: { x: 150, y: 150 } });
  await node("sample").waitFor();
  await page
    .locator('[data-palette-type="code.python"]')
    .dragTo(canvas, { targetPosition: { x: 500, y: 150 } });
  await node("python").waitFor();
  await connect(handle("sample", "dataset", "source"), handle("python", "input", "target"));
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 1);
  await page.getByTestId("validation-ok").waitFor();

  const name = page.getByLabel("Pipeline name");
  await name.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.type(`E2E Python without a worker ${Date.now()}`, { delay: 10 });
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "Saved version 1" }).waitFor();
  await page.waitForURL(/\/pipelines\/[0-9a-f-]{36}$/);
  await shot(page, "1-pipeline");

  await page.getByRole("button", { name: "Run…" }).click();
  const started = Date.now();
  await page.getByRole("button", { name: "Start run" }).click();
  const since = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

  // Within seconds the Python node says why it is not starting: a short line, the rest in its title.
  const waiting = node("python").getByTestId("step-waiting");
  await waiting.waitFor({ timeout: 15_000 });
  console.log(`waiting line on the canvas after ${since()}`);
  await node("python").locator('[data-run-status="queued"]').waitFor();
  assert.equal((await waiting.textContent())?.trim(), `⚠ ${NO_WORKER}`);
  assert.ok((await waiting.getAttribute("title"))?.startsWith(FULL_SENTENCE));
  assert.ok(await waiting.isVisible());
  assert.ok(await drawnInside(waiting, node("python")), "the waiting line stays inside its node");
  const widths = await waiting.evaluate((e) => ({ shown: e.clientWidth, whole: e.scrollWidth }));
  if (widths.whole > widths.shown)
    console.log(
      `the card cuts the waiting line with an ellipsis: ${widths.shown} of ${widths.whole} px shown`,
    );
  // The upstream step ran (or came from the cache) on the cpu worker.
  await node("sample")
    .locator('[data-run-status="succeeded"], [data-run-status="cached"]')
    .waitFor();
  await shot(page, "2-waiting-canvas");

  // The inspector gives the whole sentence.
  await node("python").click();
  const inspector = page.getByRole("complementary", { name: "Inspector" });
  // The inspector opened beside the canvas after it was fitted: fit it again to see the node.
  await page.locator(".react-flow__controls-fitview").click();
  const said = inspector.getByRole("status").filter({ hasText: FULL_SENTENCE });
  await said.waitFor({ timeout: 5_000 });
  assert.match((await said.textContent()) ?? "", /bubblewrap \(docs\/code-nodes\.md\)$/);
  await scrollInspectorTo(inspector, said);
  console.log(`the inspector says so after ${since()}`);
  await shot(page, "3-waiting-inspector");

  // The run's page, opened in another tab from the editor's "details" link, says so in the row.
  const details = await page
    .getByTestId("editor-run-status")
    .getByRole("link", { name: "details" })
    .getAttribute("href");
  assert.match(details ?? "", /^\/runs\/[0-9a-f-]{36}$/);
  const runPage = await page.context().newPage();
  await runPage.goto(`${BASE_URL}${details}`);
  const row = runPage.getByRole("table", { name: "Steps" }).locator('tr[data-step-id="python"]');
  await row.getByTestId("step-waiting").filter({ hasText: FULL_SENTENCE }).waitFor();
  assert.equal(await row.locator("[data-status]").first().getAttribute("data-status"), "queued");
  console.log(`the run page says so after ${since()}`);
  await shot(runPage, "4-waiting-run-page");
  assert.ok(
    Date.now() - started < QUEUE_TIMEOUT_S * 1000,
    `all of it seen while the step still waited (${since()})`,
  );

  // After the queue timeout the step gives up, and says why.
  await page.bringToFront();
  await node("python")
    .locator('[data-run-status="failed"]')
    .waitFor({ timeout: (QUEUE_TIMEOUT_S + 45) * 1000 });
  const failedAfter = Date.now() - started;
  console.log(`the step failed after ${since()}`);
  assert.ok(failedAfter >= QUEUE_TIMEOUT_S * 1000, `failed only after the timeout (${since()})`);
  await page.locator('[data-testid="editor-run-status"][data-status="failed"]').waitFor();
  assert.equal(await waiting.count(), 0);
  const error = inspector.locator("p.text-rose-700").filter({ hasText: NO_WORKER });
  await error.waitFor();
  const text = (await error.textContent()) ?? "";
  assert.match(text, new RegExp(`The step waited ${QUEUE_TIMEOUT_S} s for a worker`));
  await scrollInspectorTo(inspector, error);
  // Hovering the card shows the error too.
  assert.match((await node("python").getAttribute("title")) ?? "", /No worker polls the python/);
  await shot(page, "5-failed-canvas");

  // The run page follows on its own: the row is failed, with the error, and no longer waiting.
  await runPage.bringToFront();
  await row.locator('[data-status="failed"]').waitFor({ timeout: 15_000 });
  const rowError = row.locator("span.text-rose-700").filter({ hasText: NO_WORKER });
  await rowError.waitFor();
  assert.match(
    (await rowError.textContent()) ?? "",
    new RegExp(`The step waited ${QUEUE_TIMEOUT_S} s for a worker \\(STEP_QUEUE_TIMEOUT\\)`),
  );
  assert.equal(await row.getByTestId("step-waiting").count(), 0);
  await shot(runPage, "6-failed-run-page");
  await runPage.close();
});
