import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import { BASE_URL, dragTo, launchBrowser, portHandle, signedInPage } from "./browser";

/**
 * An analyst builds upload → split → impute → encode → boosted trees → evaluate from a blank
 * canvas with the mouse and the keyboard only: nodes come from the palette's search (Enter adds
 * the match after the selected node, connected), every column is chosen from a picker of the
 * file's columns before anything has run, and the run succeeds. Every click and drag is counted.
 */
let browser: Browser;
let page: Page;
const shots = "test-results/blank";
let pointer = 0;

before(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, { viewport: { width: 1440, height: 900 } });
  page.on("pageerror", (err) => console.error(`pageerror: ${err.message}`));
  page.on("dialog", (d) => void d.accept());
  await mkdir(shots, { recursive: true });
});
after(async () => {
  await browser.close();
});

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });
const node = (id: string) => page.locator(`[data-node-id="${id}"]`);

async function click(target: Locator) {
  pointer++;
  await target.click();
}

async function drag(from: Locator, to: Locator) {
  pointer++;
  const box = (await to.boundingBox())!;
  await dragTo(page, from, { x: box.x + box.width / 2, y: box.y + box.height / 2 });
}

/** Keys as a person types them, one at a time. */
const type = (text: string) => page.keyboard.type(text, { delay: 15 });

/** Opens a column picker with a click, checks it offers the file's columns, types and picks. */
async function pickColumn(label: string, typed: string, expect: string, offered: string[]) {
  await click(page.getByLabel(label, { exact: true }));
  const list = page.getByRole("listbox").filter({ has: page.getByRole("option") });
  // The first picker waits for the file's header to be probed, slow on a cold stack.
  await list.waitFor({ timeout: 90_000 });
  const options = await list.getByRole("option").allTextContents();
  for (const column of offered) assert.ok(options.includes(column), `${label}: ${options.join()}`);
  await type(typed);
  await list.getByRole("option").first().filter({ hasText: expect }).waitFor();
  await page.keyboard.press("Enter");
  await page.keyboard.press("Escape");
}

void test("from a blank canvas to a successful run: pickers before running, counted pointer actions", async () => {
  await page.goto(`${BASE_URL}/pipelines`);
  await page.waitForLoadState("networkidle");
  const blank = page.getByRole("link", { name: "Blank pipeline" });
  // The list of templates (with "Blank pipeline") opens by itself while there are no pipelines.
  const toggle = page.getByRole("button", { name: /New pipeline/ });
  if ((await toggle.getAttribute("aria-expanded")) !== "true") await click(toggle);
  await click(blank);
  await page.getByTestId("empty-canvas-hint").waitFor();

  // Six nodes from the palette's search: the first where the canvas is, each next one after the
  // one just added, connected to it.
  await click(page.getByLabel("Search nodes"));
  for (const [query, id] of [
    ["upload", "upload"],
    ["split", "split"],
    ["impute", "impute"],
    ["encode", "encode"],
    ["boosted", "gbdt"],
    ["evaluate model", "model"],
  ] as const) {
    await type(query);
    await page.keyboard.press("Enter");
    await node(id).waitFor();
  }
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 5);
  // The whole chain in view (F), then the one edge the chain does not make: the split's test
  // rows into Evaluate, drawn from the split's one Splits handle.
  await page.keyboard.press("Tab");
  await page.keyboard.press("f");
  await page.waitForTimeout(400);
  await drag(
    portHandle(page, "split", "splits", "source"),
    portHandle(page, "model", "test", "target"),
  );
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 6);
  assert.equal(
    await page.getByLabel("Split carried from split to model").inputValue(),
    "test",
    "the splits handle into Evaluate's test port carries the test split",
  );
  await shot("1-chain");

  // The file, chosen as a person does: the file input opens the chooser.
  await click(node("upload"));
  const [chooser] = await Promise.all([
    page.waitForEvent("filechooser"),
    click(page.getByTestId("upload-input")),
  ]);
  await chooser.setFiles("examples/data/cars.csv");
  await page.getByTestId("uploaded-file").filter({ hasText: "cars.csv" }).waitFor();

  // Nothing has run: every picker offers the file's columns.
  await click(node("split"));
  await pickColumn("Label (target)", "Miles", "Miles_per_Gallon", ["Name", "Origin", "Year"]);
  await pickColumn("Id columns", "na", "Name", ["Name", "Cylinders"]);
  await pickColumn("Ignored columns", "yea", "Year", ["Year", "Acceleration"]);
  await click(node("impute"));
  await pickColumn("Columns", "horse", "Horsepower", ["Horsepower", "Weight_in_lbs"]);
  await click(node("encode"));
  await pickColumn("Columns", "ori", "Origin", ["Origin"]);
  const tags = async (field: string) =>
    page
      .getByLabel(field, { exact: true })
      .locator("xpath=..")
      .locator("[data-tag]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-tag")));
  assert.deepEqual(await tags("Columns"), ["Origin"]);
  await shot("2-configured");
  await page.getByTestId("validation-ok").waitFor();

  await click(page.getByLabel("Pipeline name"));
  await page.keyboard.press("Control+A");
  await type("Cars from a blank canvas");
  await click(page.getByRole("button", { name: "Run…" }));
  await click(page.getByRole("button", { name: "Start run" }));
  await page
    .locator('[data-testid="editor-run-status"][data-status="succeeded"]')
    .waitFor({ timeout: 240_000 });
  for (const id of ["upload", "split", "impute", "encode", "gbdt", "model"])
    assert.equal(
      await node(id).locator("[data-run-status]").first().getAttribute("data-run-status"),
      "succeeded",
      id,
    );
  await shot("3-succeeded");

  console.log(`pointer actions from a blank canvas to a successful run: ${pointer}`);
  assert.ok(pointer <= 25, `${pointer} pointer actions; the goal is at most 25`);

  // The exported file says what the canvas showed: one splits edge per fitted step, the test
  // split into Evaluate, every column as picked.
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export JSON" }).click();
  const doc = JSON.parse(await readFile(await (await download).path(), "utf8")) as {
    apiVersion: string;
    nodes: { id: string; params: Record<string, unknown> }[];
    edges: { source: string; sourcePort: string; target: string; targetPort: string }[];
  };
  assert.equal(doc.apiVersion, "flowforge.dev/v2");
  assert.deepEqual(
    doc.edges.map((e) => `${e.source}.${e.sourcePort}>${e.target}.${e.targetPort}`).sort(),
    [
      "encode.splits>gbdt.splits",
      "gbdt.model>model.model",
      "impute.splits>encode.splits",
      "split.splits>impute.splits",
      "split.test>model.test",
      "upload.dataset>split.input",
    ],
  );
  const params = (id: string) => doc.nodes.find((n) => n.id === id)?.params;
  assert.deepEqual(
    [params("split")?.label, params("split")?.ids, params("split")?.ignored],
    ["Miles_per_Gallon", ["Name"], ["Year"]],
  );
  assert.deepEqual(params("impute")?.columns, ["Horsepower"]);

  // The run page at the same size, for the screenshot review.
  await page.getByTestId("editor-run-status").getByRole("link", { name: "details" }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  await page.getByRole("heading", { name: "Graph" }).waitFor();
  await page.waitForTimeout(1000);
  await shot("4-run-page");
});
