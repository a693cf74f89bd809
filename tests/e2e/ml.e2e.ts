import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { createFromTemplate, launchBrowser, signedInPage } from "./browser";

let browser: Browser;
let page: Page;
const shots = "test-results/ml";
before(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, { viewport: { width: 1400, height: 900 } });
  await mkdir(shots, { recursive: true });
});
after(async () => {
  await browser.close();
});

void test("train, tune and evaluate from a template; the inspector and run page chart the results", async () => {
  await createFromTemplate(page, "Penguin species classifier");
  await page.locator('[data-node-id="gbdt"]').waitFor();

  await page.getByRole("button", { name: "Run…" }).click();
  await page.getByRole("button", { name: "Start run" }).click();
  await page
    .locator('[data-testid="editor-run-status"][data-status="succeeded"]')
    .waitFor({ timeout: 180_000 });

  await page.locator('[data-node-id="gbdt"]').click();
  await page.getByTestId("model-summary").waitFor();
  assert.match((await page.getByTestId("model-summary").textContent()) ?? "", /predicts species/);
  await page.getByTestId("metrics-view").locator('[aria-label="Learning curve"]').waitFor();
  await page.screenshot({ path: `${shots}/inspector.png` });

  await page.getByTestId("editor-run-status").getByRole("link", { name: "details" }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const experiments = page.getByRole("region", { name: "Experiments" });
  await experiments.locator('[data-experiment="gbdt"] [aria-label="Learning curve"]').waitFor();
  await experiments.locator('[data-experiment="eval"] [aria-label="Confusion matrix"]').waitFor();
  const trials = experiments.getByRole("table", { name: "Trials of tune" }).locator("tbody tr");
  assert.equal(await trials.count(), 6);
  const accuracy = await experiments
    .locator('[data-experiment="eval"] [data-metric="accuracy"]')
    .textContent();
  assert.ok(Number(accuracy) > 0.9, `test accuracy ${accuracy}`);
  await page.screenshot({ path: `${shots}/run.png`, fullPage: true });
});

void test("schedule the pipeline, pause it and delete it", async () => {
  await page.getByRole("link", { name: "Schedules" }).click();
  await page.waitForURL(/\/schedules$/);
  await page.getByLabel("Pipeline").selectOption({ label: "Penguin species classifier" });
  await page.getByLabel("Cron (UTC)").fill("30 5 * * 1");
  await page.getByRole("button", { name: "Add schedule" }).click();
  const row = page
    .getByRole("table", { name: "Schedules" })
    .locator("tbody tr")
    .filter({ hasText: "30 5 * * 1" });
  await row.filter({ hasText: "active" }).waitFor();
  await row.getByRole("button", { name: "Pause" }).click();
  await row.filter({ hasText: "paused" }).waitFor();
  await page.screenshot({ path: `${shots}/schedules.png` });
  await row.getByRole("button", { name: "Delete" }).click();
  await row.waitFor({ state: "detached" });
});
