import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { BASE_URL, launchBrowser, signedInPage } from "./browser";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
});

void test("the home page shows the stack healthy, and the sample run succeeds while we watch", async () => {
  const page = await signedInPage(browser);
  await page.goto(BASE_URL);
  const health = page.getByRole("region", { name: "Stack health" });
  await health.locator('[data-status="ok"]').waitFor({ timeout: 30_000 });
  for (const part of ["Database", "Temporal", "Queue cpu"]) {
    assert.match((await health.locator(`[data-part="${part}"]`).textContent()) ?? "", /●/);
  }

  await page.getByRole("button", { name: "Run the sample pipeline" }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  const status = page.getByTestId("run-status");
  // The sample's middle step waits 1.5 s: the page shows the run in progress, then done.
  await page.locator('[data-step-id="wait"] [data-status="running"]').waitFor({ timeout: 30_000 });
  assert.equal(await status.getAttribute("data-status"), "running");
  await page
    .locator('[data-testid="run-status"][data-status="succeeded"]')
    .waitFor({ timeout: 60_000 });
  for (const step of ["numbers", "wait", "sum"]) {
    assert.equal(
      await page.locator(`[data-step-id="${step}"] [data-status]`).getAttribute("data-status"),
      "succeeded",
    );
  }
  await mkdir("test-results", { recursive: true });
  await page.screenshot({ path: "test-results/sample-run.png", fullPage: true });

  // Re-run from the last step: the new run reuses the first two steps from the cache.
  const firstUrl = page.url();
  await page
    .locator('[data-step-id="sum"]')
    .getByRole("button", { name: "Re-run from here" })
    .click();
  await page.waitForURL(
    (url) => url.toString() !== firstUrl && /\/runs\/[0-9a-f-]{36}$/.test(url.toString()),
    { timeout: 30_000 },
  );
  await page
    .locator('[data-testid="run-status"][data-status="succeeded"]')
    .waitFor({ timeout: 60_000 });
  for (const [step, expected] of [
    ["numbers", "cached"],
    ["wait", "cached"],
    ["sum", "succeeded"],
  ] as const) {
    assert.equal(
      await page.locator(`[data-step-id="${step}"] [data-status]`).getAttribute("data-status"),
      expected,
    );
  }

  await page.getByRole("link", { name: "Runs" }).click();
  await page
    .getByRole("table", { name: "Runs" })
    .locator('[data-status="succeeded"]')
    .first()
    .waitFor();
  await page.close();
});
