import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import {
  BASE_URL,
  dragTo,
  launchBrowser,
  portHandle,
  signedInPage,
  pickColumn,
  pickerOptions,
} from "./browser";

/**
 * Validation as a person meets it, with mouse and keyboard only: a node with an empty required
 * field is flagged in the form's words, Run… lists what to fix (no Start), a click on the problem
 * selects the node, typing fixes it, the run succeeds, and the reopened pipeline is shown whole.
 */
let browser: Browser;
let page: Page;
const shots = "test-results/validation";
const zodWords = /Invalid input|Invalid option|expected \w+, received|Too small|Too big|>=|<=/;

before(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, { viewport: { width: 1440, height: 900 } });
  page.on("dialog", (d) => void d.accept());
  page.on("pageerror", (err) => console.error(`pageerror: ${err.message}`));
  await mkdir(shots, { recursive: true });
});
after(async () => {
  await browser.close();
});

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });
const node = (id: string) => page.locator(`[data-node-id="${id}"]`);
const handle = (nodeId: string, port: string, type: "source" | "target") =>
  portHandle(page, nodeId, port, type);
const drag = (from: Locator, to: { x: number; y: number }) => dragTo(page, from, to);

/** Every node's box lies inside the canvas's box. */
async function nodesOutsideView(): Promise<string[]> {
  const pane = (await page.locator(".react-flow").boundingBox())!;
  const outside: string[] = [];
  for (const n of await page.locator(".react-flow__node").all()) {
    const b = await n.boundingBox();
    const id = (await n.getAttribute("data-id")) ?? "?";
    if (
      !b ||
      b.x < pane.x ||
      b.y < pane.y ||
      b.x + b.width > pane.x + pane.width ||
      b.y + b.height > pane.y + pane.height
    )
      outside.push(id);
  }
  return outside;
}

void test("an empty required field: flagged in the form's words, Run… lists it, fixed by typing, run, reopened whole", async () => {
  await page.goto(`${BASE_URL}/pipelines/new`);
  const pane = page.locator(".react-flow__pane");
  await page
    .locator('[data-palette-type="ingest.sample"]')
    .dragTo(pane, { targetPosition: { x: 160, y: 160 } });
  await node("sample").waitFor();

  // Pan far to the right before the second node, so the two lie more than a screen apart.
  const box = (await pane.boundingBox())!;
  await page.mouse.move(box.x + box.width - 60, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + 100, box.y + box.height / 2 - 150, { steps: 15 });
  await page.mouse.up();
  await page
    .locator('[data-palette-type="prep.derive"]')
    .dragTo(pane, { targetPosition: { x: 500, y: 300 } });
  await node("derive").waitFor();
  // F fits the view (the canvas has the focus after a click on its background).
  await pane.click({ position: { x: box.width / 2, y: 30 } });
  await page.keyboard.press("f");
  await page.waitForTimeout(400);
  await drag(
    handle("sample", "dataset", "source"),
    await centre(handle("derive", "input", "target")),
  );
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 1);

  // The node is flagged with the form's words, not the schema's.
  const flag = node("derive").getByTestId("node-problem");
  await flag.filter({ hasText: "New column: required" }).waitFor();
  assert.doesNotMatch((await flag.textContent()) ?? "", zodWords);
  const bar = page.getByRole("region", { name: "Validation" });
  await bar.getByText('Node "derive" — New column: required').waitFor();
  await bar.getByText('Node "derive" — Expression: required').waitFor();
  assert.doesNotMatch((await bar.textContent()) ?? "", zodWords);
  await shot("1-flagged");

  // Run… on an invalid pipeline: what to fix, and no Start.
  await page.getByRole("button", { name: "Run…" }).click();
  const problems = page.getByTestId("run-problems");
  await problems.waitFor();
  assert.equal(await page.getByRole("button", { name: "Start run" }).count(), 0);
  const items = problems.getByRole("button").filter({ hasText: "required" });
  assert.equal(await items.count(), 2);
  assert.doesNotMatch((await problems.textContent()) ?? "", zodWords);
  await shot("2-run-lists-problems");

  // A click on the problem selects its node; its form is there to type into.
  await problems.getByRole("button").filter({ hasText: "New column: required" }).click();
  await problems.waitFor({ state: "hidden" });
  await page.locator('.react-flow__node.selected[data-id="derive"]').waitFor();
  const column = page.getByLabel("New column", { exact: true });
  await page.getByRole("alert").filter({ hasText: "New column: required" }).waitFor();
  await column.click();
  await page.keyboard.type("mass_kg", { delay: 15 });
  await page.getByLabel(/^Expression/).click();
  await page.keyboard.type("body_mass_g / 1000", { delay: 15 });
  await page.getByTestId("validation-ok").waitFor();
  assert.equal(await node("derive").getByTestId("node-problem").count(), 0);
  await page.getByLabel("Pipeline name").click();
  await page.keyboard.press("Control+a");
  await page.keyboard.type("E2E validation pipeline", { delay: 10 });
  await shot("3-fixed");

  await page.getByRole("button", { name: "Run…" }).click();
  await page.getByRole("button", { name: "Start run" }).click();
  await page
    .locator('[data-testid="editor-run-status"][data-status="succeeded"]')
    .waitFor({ timeout: 90_000 });
  await node("derive").locator('[data-run-status="succeeded"]').waitFor();
  await shot("4-run-succeeded");

  // The output, full width: profile of every column, rows sorted and filtered by a person.
  await node("derive").click();
  const [viewer] = await Promise.all([
    page.context().waitForEvent("page"),
    page.getByRole("link", { name: "View data" }).last().click(),
  ]);
  await viewer.setViewportSize({ width: 1440, height: 900 });
  await viewer.getByTestId("data-viewer").waitFor();
  const profiles = viewer.getByTestId("column-profile");
  await profiles.first().waitFor();
  assert.ok((await profiles.count()) >= 9, "a profile for each column");
  await viewer.getByRole("region", { name: "Profile of mass_kg" }).getByText("mean").waitFor();
  await viewer.getByRole("columnheader", { name: /^mass_kg/ }).click();
  await viewer.locator('[role="columnheader"][aria-sort="ascending"]').waitFor();
  await viewer.getByLabel("Filter column").selectOption("species");
  await viewer.getByLabel("Filter value").click();
  await viewer.keyboard.type("gentoo", { delay: 15 });
  await viewer.keyboard.press("Enter");
  await viewer.getByText("124 match the filter").waitFor();
  const firstRow = viewer.locator('[role="row"][aria-rowindex="1"]');
  await firstRow.getByText("Gentoo").first().waitFor();
  await viewer.screenshot({ path: path.join(shots, "4b-data-viewer.png") });
  await viewer.close();

  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.waitForURL(/\/pipelines\/[0-9a-f-]{36}$/);
  await page.getByTestId("dirty-state").filter({ hasText: "Saved" }).waitFor();

  // Reopened: the whole pipeline in view, once the nodes are measured.
  await page.reload();
  await node("derive").waitFor();
  await node("sample").waitFor();
  let outside = await nodesOutsideView();
  for (let i = 0; i < 20 && outside.length; i++) {
    await page.waitForTimeout(150);
    outside = await nodesOutsideView();
  }
  await shot("5-reopened");
  assert.deepEqual(outside, [], `nodes outside the view after reopening: ${outside.join(", ")}`);
});

void test("columns before running: pickers from the file's header, and a column the input lost flagged with the closest one", async () => {
  await page.goto(`${BASE_URL}/pipelines/new`);
  const pane = page.locator(".react-flow__pane");
  // An empty canvas says where to start, and stops saying it once a node is there.
  await page.getByTestId("empty-canvas-hint").waitFor();
  await page
    .locator('[data-palette-type="ingest.sample"]')
    .dragTo(pane, { targetPosition: { x: 160, y: 200 } });
  await node("sample").waitFor();
  assert.equal(await page.getByTestId("empty-canvas-hint").count(), 0);
  await page
    .locator('[data-palette-type="prep.split"]')
    .dragTo(pane, { targetPosition: { x: 520, y: 200 } });
  await node("split").waitFor();
  await drag(
    handle("sample", "dataset", "source"),
    await centre(handle("split", "input", "target")),
  );
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 1);

  // Nothing has run: the label is still a picker of the file's columns.
  await node("split").click();
  const label = page.getByLabel("Label (target)", { exact: true });
  const options = await pickerOptions(page, label);
  assert.ok(options.includes("species") && options.includes("island"), options.join(", "));
  await pickColumn(page, label, "spe", "species");
  await page.getByTestId("validation-ok").waitFor();
  await shot("6-picker-before-running");

  // The file changes under it (the raw penguins name their columns otherwise): flagged at once.
  await node("sample").click();
  await page.getByLabel("Dataset", { exact: true }).selectOption("penguins-raw");
  const flag = node("split").getByTestId("node-problem");
  await flag.filter({ hasText: 'no column "species"' }).waitFor();
  const bar = page.getByRole("region", { name: "Validation" });
  await bar
    .getByText(
      'Node "split" — Label (target): the input has no column "species"; did you mean "Species"?',
    )
    .waitFor();
  await shot("7-column-flagged");

  // Run… refuses it, and the picker offers the new columns.
  await page.getByRole("button", { name: "Run…" }).click();
  await page
    .getByTestId("run-problems")
    .getByRole("button")
    .filter({ hasText: "did you mean" })
    .click();
  await page.locator('.react-flow__node.selected[data-id="split"]').waitFor();
  await pickColumn(page, label, "Spe", "Species");
  await page.getByTestId("validation-ok").waitFor();
  assert.equal(await flag.count(), 0);

  // Right-click a node: its menu duplicates and deletes it; Escape closes it.
  // It opens where the pointer was when the button went down (the page notes that point).
  await page.evaluate(() => {
    window.addEventListener(
      "contextmenu",
      (e) => void document.body.setAttribute("data-pointer", `${e.clientX},${e.clientY}`),
      { capture: true },
    );
  });
  await node("split").click({ button: "right" });
  const menu = page.getByRole("menu", { name: "Node split" });
  await menu.waitFor();
  const opened = (await menu.boundingBox())!;
  const [px, py] = ((await page.locator("body").getAttribute("data-pointer")) ?? "").split(",");
  const at = { x: Number(px), y: Number(py) };
  assert.ok(
    Math.abs(opened.x - at.x) < 4 && Math.abs(opened.y - at.y) < 4,
    `menu at ${opened.x},${opened.y}, pointer at ${at.x},${at.y}`,
  );
  assert.equal(await menu.getByRole("menuitem", { name: "View output" }).isDisabled(), true);
  await shot("8-node-menu");
  await menu.getByRole("menuitem", { name: "Duplicate" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__node").length === 3);
  const copy = page.locator(".react-flow__node.selected");
  const copyId = (await copy.getAttribute("data-id"))!;
  assert.notEqual(copyId, "split");
  await copy.click({ button: "right" });
  await page
    .getByRole("menu", { name: `Node ${copyId}` })
    .getByRole("menuitem", { name: "Delete" })
    .click();
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__node").length === 2);
  await node("split").click({ button: "right" });
  await menu.waitFor();
  await page.keyboard.press("Escape");
  await menu.waitFor({ state: "hidden" });
});

async function centre(l: Locator): Promise<{ x: number; y: number }> {
  const b = (await l.boundingBox())!;
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}
