import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { BASE_URL, launchBrowser, signedInPage } from "./browser";

let browser: Browser;
let page: Page;
const shots = "test-results/code";
before(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, { viewport: { width: 1400, height: 900 } });
  await mkdir(shots, { recursive: true });
});
after(async () => {
  await browser.close();
});

void test("open a node's code, edit it, run the node alone, see its logs and output, save, run the pipeline", async () => {
  await page.goto(`${BASE_URL}/pipelines`);
  const newButton = page.getByRole("button", { name: /New pipeline/ });
  if ((await newButton.getAttribute("aria-expanded")) !== "true") await newButton.click();
  await page
    .getByRole("listitem")
    .filter({ hasText: "Python and TypeScript code" })
    .getByRole("button", { name: "Create" })
    .click();
  await page.waitForURL(/\/pipelines\/[0-9a-f-]{36}$/);

  await page.locator('[data-node-id="py"]').click();
  const code = page.getByRole("textbox", { name: "Code" });
  assert.match(await code.inputValue(), /def run\(ctx\):/);
  await code.fill(
    [
      "def run(ctx):",
      "    df = ctx.input('input').dropna(subset=['body_mass_g'])",
      "    heavy = df[df['body_mass_g'] > 5000]",
      "    ctx.log(f'{len(heavy)} heavy penguins')",
      "    ctx.metric('heavy', len(heavy))",
      "    ctx.output('dataset', heavy)",
    ].join("\n"),
  );
  await page.getByRole("button", { name: "Run this node" }).click();
  await page
    .locator('[data-node-id="py"] [data-run-status="succeeded"]')
    .waitFor({ timeout: 120_000 });
  await page.getByTestId("node-logs").filter({ hasText: "heavy penguins" }).waitFor();
  // The inspector previews the input and then the output the code wrote.
  await page.getByTestId("dataset-preview").nth(1).waitFor();
  await page.screenshot({ path: `${shots}/run-node.png` });

  // A mistake is reported with its line.
  await code.fill("def run(ctx):\n    x = 1\n    return x / 0\n");
  await page.getByRole("button", { name: "Run this node" }).click();
  await page
    .locator('[data-node-id="py"] [data-run-status="failed"]')
    .waitFor({ timeout: 120_000 });
  await page
    .getByText(/line 3: ZeroDivisionError/)
    .first()
    .waitFor();
  await page.screenshot({ path: `${shots}/error.png` });

  await code.fill(
    "def run(ctx):\n    df = ctx.input('input')\n    df['mass_kg'] = df['body_mass_g'] / 1000\n    ctx.output('dataset', df[df['body_mass_g'] > 5000])\n",
  );
  await page.getByRole("button", { name: "Run…" }).click();
  await page.getByRole("button", { name: "Start run" }).click();
  await page
    .locator('[data-testid="editor-run-status"][data-status="succeeded"]')
    .waitFor({ timeout: 120_000 });
  for (const id of ["raw", "py", "ts"])
    await page.locator(`[data-node-id="${id}"] [data-run-status]`).first().waitFor();
  assert.equal(
    await page
      .locator('[data-node-id="ts"] [data-run-status]')
      .first()
      .getAttribute("data-run-status"),
    "succeeded",
  );
  await page.screenshot({ path: `${shots}/pipeline.png` });
});
