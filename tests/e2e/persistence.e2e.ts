import assert from "node:assert/strict";
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

void test("a second start shows the pipelines and runs of the first", async () => {
  const page = await signedInPage(browser);
  await page.goto(`${BASE_URL}/runs`);
  const rows = page.getByRole("table", { name: "Runs" }).locator("tbody tr");
  await rows.first().waitFor({ timeout: 30_000 });
  assert.ok((await rows.count()) >= 1);
  const hello = rows.filter({ hasText: "Hello pipeline" }).first();
  await hello.waitFor();
  assert.equal(
    await hello.locator("[data-status]").first().getAttribute("data-status"),
    "succeeded",
  );
  await page.close();
});
