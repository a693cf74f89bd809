import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, signedInPage, createFromTemplate } from "./browser";

let browser: Browser;
let page: Page;
before(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, { viewport: { width: 1280, height: 720 } });
  await mkdir("test-results/pipelines", { recursive: true });
});
after(async () => {
  await browser.close();
});

void test("create from a template, find it, duplicate it, delete the copy", async () => {
  await createFromTemplate(page, "Approval gate");
  await page.locator("[data-node-id]").first().waitFor();

  await page.getByRole("link", { name: "Pipelines" }).click();
  await page.getByLabel("Search").fill("approval");
  const row = page.getByRole("row").filter({ hasText: "Approval gate" }).first();
  await row.waitFor();
  await row.getByRole("button", { name: /Duplicate/ }).click();
  const copy = page.getByRole("row").filter({ hasText: "Approval gate (copy)" });
  await copy.waitFor();
  await page.screenshot({ path: "test-results/pipelines/list.png" });
  await copy.getByRole("button", { name: /Delete/ }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: /Delete Approval gate \(copy\)/ }).click();
  await copy.waitFor({ state: "detached" });
  assert.equal(await page.getByRole("row").filter({ hasText: "Approval gate (copy)" }).count(), 0);
});
