import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { createFromTemplate, launchBrowser, signedInPage } from "./browser";

let browser: Browser;
let page: Page;
const shots = "test-results/code";
before(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, { viewport: { width: 1400, height: 900 } });
  // What the browser says reaches the test log: a page error explains a timeout here.
  page.on("pageerror", (err) => console.error(`pageerror: ${err.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") console.error(`console: ${m.text()}`);
  });
  await mkdir(shots, { recursive: true });
});
after(async () => {
  await browser.close();
});

void test("open a node's code, edit it, run the node alone, see its logs and output, save, run the pipeline", async () => {
  await createFromTemplate(page, "Python and TypeScript code");

  // A built-in node shows its implementation, read-only.
  await page.locator('[data-node-id="raw"]').click();
  await page.getByRole("tab", { name: "Code" }).click();
  await page
    .getByTestId("node-source")
    .locator(".view-lines")
    .filter({ hasText: "defineActivity" })
    .waitFor();
  await page.getByRole("tab", { name: "Settings" }).click();

  // The inspector opened beside the canvas after it was fitted, which can leave the next node
  // under the inspector: fit the canvas again before clicking it.
  await page.locator(".react-flow__controls-fitview").click();
  // The TypeScript editor knows the step SDK: a wrong call is flagged, and saving formats.
  await page.locator('[data-node-id="ts"]').click();
  await setCode(
    page,
    "export default async function run(ctx: Flowforge.Context) {\nctx.nope();\n}\n",
  );
  await page.locator('[data-testid="code-editor"][title*="nope"]').waitFor({ timeout: 60_000 });
  await setCode(
    page,
    'export default async function run(ctx: Flowforge.Context){\nctx.log(   "typed"   );\nawait ctx.output("dataset","SELECT species FROM input WHERE body_mass_g > 5000")}\n',
  );
  await page
    .locator('[data-testid="code-editor"][data-diagnostics="0"]')
    .waitFor({ timeout: 60_000 });
  await page.keyboard.press("Control+S");
  await page
    .getByTestId("code-editor")
    .locator(".view-line")
    .filter({ hasText: /^\s+ctx\.log\("typed"\);$/ })
    .waitFor();
  await page.getByText("Saved version 2.").first().waitFor();
  await page.screenshot({ path: `${shots}/typescript.png` });

  await page.locator('[data-node-id="py"]').click();
  assert.match(await codeText(page), /def run\(ctx\):/);
  await setCode(
    page,
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
  await setCode(page, "def run(ctx):\n    x = 1\n    return x / 0\n");
  await page.getByRole("button", { name: "Run this node" }).click();
  await page
    .locator('[data-node-id="py"] [data-run-status="failed"]')
    .waitFor({ timeout: 120_000 });
  await page
    .getByText(/line 3: ZeroDivisionError/)
    .first()
    .waitFor();
  // The error is also a marker on line 3 of the editor.
  const marked = page.locator('[data-testid="code-editor"][data-diagnostics="1"]');
  await marked.waitFor();
  assert.match((await marked.getAttribute("title")) ?? "", /^line 3: ZeroDivisionError/);
  await page.screenshot({ path: `${shots}/error.png` });

  await setCode(
    page,
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

void test("eject a built-in node into code, declare a port and a param in the code, run it", async () => {
  await createFromTemplate(page, "Python and TypeScript code");
  const card = page.locator('[data-node-id="heavy"]');
  const edge = page.getByTestId("rf__edge-py.dataset->heavy.input");
  await edge.waitFor({ state: "attached" });

  await card.click();
  await page.getByRole("tab", { name: "Code" }).click();
  await page.getByRole("button", { name: "Eject to TypeScript code" }).click();
  // Same node, same connection, now a code node whose code declares the built-in's port and params.
  await card.filter({ hasText: "TypeScript code" }).waitFor();
  await edge.waitFor({ state: "attached" });
  const code = await codeText(page);
  assert.match(code, /@input input: dataset/);
  assert.match(code, /@param conditions: json/);
  const declared = page.getByRole("region", { name: "Params declared in the code" });
  assert.match(await declared.getByLabel("Conditions").inputValue(), /body_mass_g/);
  await page.screenshot({ path: `${shots}/ejected.png` });

  await setCode(
    page,
    [
      "// @input input: dataset",
      "// @output dataset: dataset",
      "// @output light: dataset",
      "// @param cutoff: integer = 5000 -- grams",
      "export default async function run(ctx: Flowforge.Context) {",
      "  const cutoff = Number(ctx.params.cutoff);",
      '  await ctx.output("dataset", `SELECT * FROM input WHERE body_mass_g > ${cutoff}`);',
      '  await ctx.output("light", `SELECT * FROM input WHERE body_mass_g <= ${cutoff}`);',
      "}",
    ].join("\n"),
  );
  // The new output port is on the canvas, the new param in the form.
  await card.locator('[data-handleid="light"]').waitFor();
  await declared.getByLabel("Cutoff").fill("5500");
  await declared.getByRole("button", { name: "Remove them" }).click();
  await page.getByRole("button", { name: "Run this node" }).click();
  await card.locator('[data-run-status="succeeded"]').waitFor({ timeout: 120_000 });
  await page.getByText("Output light").first().waitFor();
  await page.screenshot({ path: `${shots}/declared-ports.png` });
  await page.keyboard.press("Control+S");
  await page
    .getByText(/Saved version \d+\./)
    .first()
    .waitFor();
});

/**
 * Replaces the code in the Monaco editor the way a paste does: typing would let the editor close
 * brackets and indent lines on its own.
 */
async function setCode(page: Page, text: string) {
  const editor = page.locator('[data-testid="code-editor"][data-ready="true"]');
  // The first editor of a fresh server loads Monaco's chunks and workers: give it time.
  await editor.waitFor({ timeout: 90_000 }).catch(async (err: unknown) => {
    await page.screenshot({ path: `${shots}/setcode-timeout.png` });
    throw err;
  });
  await editor.locator(".view-lines").click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.evaluate((t) => {
    const data = new DataTransfer();
    data.setData("text/plain", t);
    document.activeElement?.dispatchEvent(
      new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }),
    );
  }, text);
  await editor
    .locator(".view-lines")
    .filter({ hasText: text.split("\n")[0]!.trim().slice(0, 20) })
    .waitFor({ timeout: 5_000 });
}

async function codeText(page: Page): Promise<string> {
  const editor = page.locator('[data-testid="code-editor"][data-ready="true"]');
  return (await editor.locator(".view-lines").innerText()).replaceAll("\u00a0", " ");
}
