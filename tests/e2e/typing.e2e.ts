import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { createFromTemplate, launchBrowser, signedInPage } from "./browser";

/**
 * Typing as a person does: every character a key press (Shift held for capitals and symbols),
 * no pasting from the test, no `insertText`. The keys the canvas uses as shortcuts (L, F, ?, D, S,
 * Space, Backspace, Delete, Ctrl+C/V/Z) must reach the code editor and the form's fields, and
 * leave the canvas alone.
 */
let browser: Browser;
let page: Page;
const shots = "test-results/typing";
const mod = process.platform === "darwin" ? "Meta" : "Control";

before(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, {
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
  });
  page.on("pageerror", (err) => console.error(`pageerror: ${err.message}`));
  page.on("dialog", (d) => void d.accept());
  await mkdir(shots, { recursive: true });
});
after(async () => {
  await browser.close();
});

const SHIFTED = '~!@#$%^&*()_+{}|:"<>?';

/** One key press a character; Enter for a new line; Shift held down for shifted characters. */
async function typeKeys(text: string): Promise<void> {
  for (const ch of text) {
    if (ch === "\n") await page.keyboard.press("Enter");
    else if (SHIFTED.includes(ch) || (ch >= "A" && ch <= "Z")) {
      await page.keyboard.down("Shift");
      await page.keyboard.press(ch);
      await page.keyboard.up("Shift");
    } else await page.keyboard.type(ch);
  }
}

/** The code editor's text, line by line in the order shown (Monaco renders spaces as U+00A0). */
async function editorText(): Promise<string> {
  return page.evaluate(() => {
    const lines = [
      ...document.querySelectorAll<HTMLElement>(
        '[data-testid="code-editor"] .view-lines .view-line',
      ),
    ];
    lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
    return lines.map((l) => (l.textContent ?? "").replaceAll("\u00a0", " ")).join("\n");
  });
}

/** Waits for the editor to show `expected` (Monaco renders on the next frame), then compares. */
async function expectText(expected: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  let shown = await editorText();
  while (shown !== expected && Date.now() < deadline) {
    await page.waitForTimeout(50);
    shown = await editorText();
  }
  assert.equal(shown, expected);
}

/** What the canvas shows: its nodes with their positions, and the viewport's pan and zoom. */
async function canvasState(): Promise<{ nodes: string[]; viewport: string; help: boolean }> {
  return page.evaluate(() => ({
    nodes: [...document.querySelectorAll<HTMLElement>(".react-flow__node")]
      .map((n) => `${n.dataset.id} ${n.style.transform}`)
      .sort(),
    viewport: document.querySelector<HTMLElement>(".react-flow__viewport")?.style.transform ?? "",
    help: document.querySelector("dialog[open]") !== null,
  }));
}

async function exportedDocument(): Promise<{
  nodes: { id: string; params: Record<string, unknown> }[];
}> {
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export JSON" }).click();
  return JSON.parse(await readFile(await (await download).path(), "utf8")) as {
    nodes: { id: string; params: Record<string, unknown> }[];
  };
}

/** How Monaco shows the program after the keys below: its own indentation included. */
const PROGRAM = [
  "def run(ctx):",
  "    df = ctx.input('input')",
  "    heavy = df[df['body_mass_g'] > 5000]",
  "    # Does it fit? Keys l, f, d and s are letters here.",
  "    for s in ['a', 'b']:",
  "        ctx.log(f'label {s}')",
  "    ctx.log(f'{len(heavy)} heavy of {len(df)}')",
  "    ctx.output('dataset', heavy)",
].join("\n");

void test("type a Python program into the code editor: every key reaches the editor, the canvas stays put", async () => {
  await createFromTemplate(page, "Python and TypeScript code");
  await page.locator('[data-node-id="py"]').click();
  const editor = page.locator('[data-testid="code-editor"][data-ready="true"]');
  await editor.waitFor({ timeout: 90_000 });
  // The inspector opened wide beside the canvas: fit the canvas to what is left of it.
  await page.locator(".react-flow__controls-fitview").click();
  await page.waitForTimeout(500); // the fit view's animation
  const before = await canvasState();
  assert.ok(before.nodes.length >= 3, `nodes on the canvas: ${before.nodes.join(", ")}`);

  await editor.locator(".view-lines").click();
  await page.keyboard.press(`${mod}+A`);
  await page.keyboard.press("Backspace");
  await expectText("");
  // Monaco indents after a line ending in ":" and keeps the indentation on Enter; where the
  // program goes back one level, the person selects the indentation and types four spaces.
  await typeKeys("def run(ctx):\n");
  await typeKeys("df = ctx.input('input')\n");
  await typeKeys("heavy = df[df['body_mass_g'] > 5000]\n");
  await typeKeys("# Does it fit? Keys l, f, d and s are letters here.\n");
  await typeKeys("for s in ['a', 'b']:\n");
  await typeKeys("ctx.log(f'label {s}')\n");
  await page.keyboard.press("Shift+Home");
  await typeKeys("    ctx.log(f'{len(heavy)} heavy of {len(df)}')\n");
  await typeKeys("ctx.output('dataset', heavy)");
  await expectText(PROGRAM);
  await page.screenshot({ path: `${shots}/1-typed.png` });

  // Backspace and Delete edit the text; the selected node stays.
  await typeKeys(" x");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("Delete");
  await typeKeys(")");
  await expectText(PROGRAM);

  // Ctrl+Z undoes the text just typed, in the editor.
  await typeKeys("\n#oops");
  await expectText(`${PROGRAM}\n    #oops`);
  await page.keyboard.press(`${mod}+Z`);
  await expectText(PROGRAM);
  await page.keyboard.press(`${mod}+Shift+Z`);
  await expectText(`${PROGRAM}\n    #oops`);
  await page.keyboard.press(`${mod}+Z`);
  await expectText(PROGRAM);

  // Ctrl+C with nothing selected copies the line, Ctrl+V puts it above: the line is doubled.
  await page.keyboard.press(`${mod}+Home`);
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press(`${mod}+C`);
  await page.keyboard.press(`${mod}+V`);
  const lines = PROGRAM.split("\n");
  const doubled = [...lines.slice(0, 3), lines[2]!, ...lines.slice(3)].join("\n");
  await expectText(doubled);
  await page.screenshot({ path: `${shots}/2-pasted.png` });
  await page.keyboard.press(`${mod}+Z`);
  await expectText(PROGRAM);

  // Ctrl+D and Ctrl+F are the editor's: select the next match, find.
  await page.keyboard.press(`${mod}+D`);
  await page.keyboard.press(`${mod}+F`);
  await editor.locator(".find-widget.visible").waitFor();
  await page.keyboard.press("Escape");
  await editor.locator(".find-widget.visible").waitFor({ state: "detached" });
  await expectText(PROGRAM);

  // Nothing happened on the canvas: no layout (L), fit (F), help (?), duplicate (Ctrl+D via d),
  // paste or delete; the node is still there and selected.
  assert.deepEqual(await canvasState(), before);
  assert.equal(await page.locator('.react-flow__node.selected [data-node-id="py"]').count(), 1);

  // Ctrl+S in the editor saves the pipeline, with the code as typed.
  await page.keyboard.press(`${mod}+S`);
  await page.getByRole("status").filter({ hasText: "Saved version 2." }).waitFor();
  assert.equal(await page.getByTestId("dirty-state").textContent(), "Saved");
  const doc = await exportedDocument();
  assert.equal(doc.nodes.find((n) => n.id === "py")?.params.code, PROGRAM);
  assert.deepEqual(await canvasState(), before);
  await page.screenshot({ path: `${shots}/3-saved.png` });

  // Run the node as typed: its logs (streamed while it runs) and its output's preview.
  await page.getByRole("button", { name: "Run this node" }).click();
  await page
    .locator('[data-node-id="py"] [data-run-status="succeeded"]')
    .waitFor({ timeout: 120_000 });
  const logs = page.getByTestId("node-logs");
  await logs.filter({ hasText: "label b" }).waitFor();
  assert.match((await logs.textContent()) ?? "", /label a\nlabel b\n\d+ heavy of 344/);
  const preview = page.getByTestId("dataset-preview").nth(1);
  await preview.waitFor();
  assert.match((await preview.textContent()) ?? "", /\d+ rows · 8 columns/);
  await expectText(PROGRAM);
  await page.screenshot({ path: `${shots}/3b-ran.png` });

  // The same keys on the canvas are shortcuts again once focus leaves the editor.
  await page.locator('[data-node-id="py"]').click();
  await page.keyboard.press("?");
  await page.locator("dialog[open]").waitFor();
  await page.keyboard.press("Escape");
});

/** How Monaco shows the TypeScript below: its closing brace and its two-space indentation. */
const TS_PROGRAM = [
  "export default async function run(ctx: Flowforge.Context) {",
  '  ctx.log("typed " + String(1 + 1));',
  '  await ctx.output("dataset", "SELECT species, island FROM input WHERE body_mass_g > 5000");',
  "}",
].join("\n");

void test("type a TypeScript node's code key by key: brackets close, Enter indents; run it, read its logs and output", async () => {
  await createFromTemplate(page, "Python and TypeScript code");
  await page.locator('[data-node-id="ts"]').click();
  const editor = page.locator('[data-testid="code-editor"][data-ready="true"]');
  await editor.waitFor({ timeout: 90_000 });
  await editor.locator(".view-lines").click();
  await page.keyboard.press(`${mod}+A`);
  await page.keyboard.press("Backspace");
  await expectText("");
  // Monaco closes (, " and { as they are typed; the person types the closing ) and " over them
  // and, after Enter inside the braces, types the body: the } is already below.
  await typeKeys("export default async function run(ctx: Flowforge.Context) {\n");
  await typeKeys('ctx.log("typed " + String(1 + 1));\n');
  await typeKeys(
    'await ctx.output("dataset", "SELECT species, island FROM input WHERE body_mass_g > 5000");',
  );
  await page.keyboard.press("Escape");
  await expectText(TS_PROGRAM);
  // Ctrl+C with nothing selected copies the line, Ctrl+V puts it above; Ctrl+Z takes it back.
  await page.keyboard.press(`${mod}+Home`);
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press(`${mod}+C`);
  await page.keyboard.press(`${mod}+V`);
  const tsLines = TS_PROGRAM.split("\n");
  await expectText([tsLines[0], tsLines[1], ...tsLines.slice(1)].join("\n"));
  await page.keyboard.press(`${mod}+Z`);
  await expectText(TS_PROGRAM);
  await page.keyboard.press(`${mod}+End`);
  // Ctrl+Z takes back a line typed by mistake; Ctrl+F finds in the editor.
  await typeKeys("\nctx.nope");
  await page.keyboard.press("Escape");
  await page.keyboard.press(`${mod}+Z`);
  await expectText(TS_PROGRAM);
  await page.keyboard.press(`${mod}+F`);
  await editor.locator(".find-widget.visible").waitFor();
  await page.keyboard.press("Escape");
  await page
    .locator('[data-testid="code-editor"][data-diagnostics="0"]')
    .waitFor({ timeout: 60_000 });
  await page.screenshot({ path: `${shots}/5-typescript-typed.png` });

  await page.getByRole("button", { name: "Run this node" }).click();
  await page
    .locator('[data-node-id="ts"] [data-run-status="succeeded"]')
    .waitFor({ timeout: 120_000 });
  await page.getByTestId("node-logs").filter({ hasText: "typed 2" }).waitFor();
  const preview = page.getByTestId("dataset-preview").nth(1);
  await preview.waitFor();
  assert.match((await preview.textContent()) ?? "", /\d+ rows · 2 columns/);
  await expectText(TS_PROGRAM);
  const doc = await exportedDocument();
  assert.equal(doc.nodes.find((n) => n.id === "ts")?.params.code, TS_PROGRAM);
  await page.screenshot({ path: `${shots}/6-typescript-ran.png` });
});

void test("a list of columns is tags: Name, Enter, Year, Enter is two; Backspace removes the last", async () => {
  // Where the input's columns are not known before a run (after Encode, whose one-hot names
  // depend on the data), a columns param takes any names as tags: Scale's here.
  await createFromTemplate(page, "Penguin species classifier");
  await page.locator('[data-node-id="scale"]').click();
  const before = await canvasState();

  const box = page.getByLabel("Columns", { exact: true });
  await box.click();
  await typeKeys("Name\nYear\n");
  const tags = () =>
    box
      .locator("xpath=..")
      .locator("[data-tag]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-tag")));
  assert.deepEqual(await tags(), ["Name", "Year"]);
  // A comma ends a tag too; spaces around a name are not part of it; an empty Enter adds nothing.
  await typeKeys("  Flag  ,\n");
  assert.deepEqual(await tags(), ["Name", "Year", "Flag"]);
  // Backspace in the empty box removes the last tag.
  await page.keyboard.press("Backspace");
  assert.deepEqual(await tags(), ["Name", "Year"]);
  await page.screenshot({ path: `${shots}/4-columns.png` });
  assert.deepEqual(await canvasState(), before);

  const doc = await exportedDocument();
  assert.deepEqual(doc.nodes.find((n) => n.id === "scale")?.params.columns, ["Name", "Year"]);
  // Shown again from the value, as tags; × removes one.
  await page.locator('[data-node-id="raw"]').click();
  await page.locator('[data-node-id="scale"]').click();
  assert.deepEqual(await tags(), ["Name", "Year"]);
  await page.getByRole("button", { name: "Remove Name" }).click();
  assert.deepEqual(await tags(), ["Year"]);
});

void test("a field that is a text box to assistive technology (role=textbox) keeps its keys too", async () => {
  const before = await canvasState();
  // A node is selected; a custom text box has focus: Delete, Space, L and F do nothing to the canvas.
  await page.evaluate(() => {
    const box = document.createElement("div");
    box.setAttribute("role", "textbox");
    box.setAttribute("tabindex", "0");
    box.setAttribute("aria-label", "Custom text box");
    box.textContent = "custom";
    document.body.append(box);
    box.focus();
  });
  for (const key of ["Delete", "Backspace", "Space", "l", "f", "Shift+Slash", `${mod}+d`])
    await page.keyboard.press(key);
  assert.deepEqual(await canvasState(), before);
  assert.equal(await page.locator('.react-flow__node.selected [data-node-id="scale"]').count(), 1);
  await page.evaluate(() => document.querySelector('[aria-label="Custom text box"]')?.remove());
});
