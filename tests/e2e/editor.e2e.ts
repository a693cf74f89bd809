import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import {
  BASE_URL,
  createFromTemplate,
  dragTo,
  launchBrowser,
  pickColumn,
  pickerOptions,
  portHandle,
  signedInPage,
} from "./browser";

let browser: Browser;
let page: Page;
const shots = "test-results/editor";

before(async () => {
  browser = await launchBrowser();
  page = await signedInPage(browser, {
    viewport: { width: 1280, height: 720 },
    acceptDownloads: true,
  });
  page.on("dialog", (d) => void d.accept());
  await mkdir(shots, { recursive: true });
});
after(async () => {
  await browser.close();
});

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });
const node = (id: string) => page.locator(`[data-node-id="${id}"]`);
const handle = (nodeId: string, port: string, type: "source" | "target") =>
  portHandle(page, nodeId, port, type);
const connect = (from: Locator, to: Locator) => dragTo(page, from, to);

const edgeCount = () => page.locator(".react-flow__edge").count();
const mod = process.platform === "darwin" ? "Meta" : "Control";

void test("build a pipeline on the canvas: drag, connect, refuse, validate, undo and redo", async () => {
  await page.goto(`${BASE_URL}/pipelines/new`);
  await page.getByLabel("Show internal test nodes").check();
  const canvas = page.locator(".react-flow__pane");
  await page
    .locator('[data-palette-type="internal.numbers"]')
    .dragTo(canvas, { targetPosition: { x: 150, y: 150 } });
  await node("numbers").waitFor();
  await page
    .locator('[data-palette-type="internal.sum"]')
    .dragTo(canvas, { targetPosition: { x: 480, y: 150 } });
  await page
    .locator('[data-palette-type="internal.sleep"]')
    .dragTo(canvas, { targetPosition: { x: 480, y: 350 } });
  await node("sleep").waitFor();
  await shot("1-nodes-dropped");

  await connect(handle("numbers", "numbers", "source"), handle("sum", "numbers", "target"));
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 1);
  await page.getByTestId("validation-ok").waitFor();

  // metrics -> json: refused, with the reason shown.
  await connect(handle("sum", "summary", "source"), handle("sleep", "in", "target"));
  assert.match(
    (await page.getByTestId("connection-hint").textContent()) ?? "",
    /Incompatible ports/,
  );
  assert.equal(await edgeCount(), 1);
  await shot("2-incompatible-refused");

  // An invalid form value: its message inline and in the validation panel; then fixed.
  await node("numbers").click();
  await page.getByLabel(/^Count/).fill("0");
  await page
    .getByRole("alert")
    .filter({ hasText: "Count: must be a whole number from 1 to 100,000" })
    .first()
    .waitFor();
  await page
    .getByRole("region", { name: "Validation" })
    .getByText('Node "numbers" — Count: must be a whole number from 1 to 100,000')
    .waitFor();
  assert.doesNotMatch(
    (await page.getByRole("region", { name: "Validation" }).textContent()) ?? "",
    /Too small|Invalid input|expected/,
  );
  await shot("3-invalid-param");
  await page.getByLabel(/^Count/).fill("5");
  await page.getByTestId("validation-ok").waitFor();

  // Undo and redo through the keyboard.
  await canvas.click({ position: { x: 20, y: 20 } });
  await page.keyboard.press(`${mod}+z`);
  await page
    .getByLabel(/^Count/)
    .waitFor({ state: "detached" })
    .catch(() => undefined);
  await node("numbers").click();
  assert.equal(await page.getByLabel(/^Count/).inputValue(), "0");
  await canvas.click({ position: { x: 20, y: 20 } });
  await page.keyboard.press(`${mod}+Shift+z`);
  await node("numbers").click();
  assert.equal(await page.getByLabel(/^Count/).inputValue(), "5");
});

void test("save versions, see them in the history, diff two of them", async () => {
  await page.getByLabel("Pipeline name").fill("E2E canvas pipeline");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "Saved version 1" }).waitFor();
  await page.waitForURL(/\/pipelines\/[0-9a-f-]{36}$/);
  assert.equal(await page.getByTestId("dirty-state").textContent(), "Saved");

  await node("numbers").click();
  await page.getByLabel(/^Count/).fill("7");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "Saved version 2" }).waitFor();

  await page.getByRole("button", { name: "History" }).click();
  const history = page.getByRole("complementary", { name: "Version history" });
  await history.locator('[data-version="2"]').waitFor();
  await history.locator('[data-version="1"]').waitFor();
  await history.getByLabel("Pick version 1 to compare").check();
  await history.getByLabel("Pick version 2 to compare").check();
  await history.getByRole("button", { name: "Compare selected" }).click();
  await page.locator('[data-node-id="numbers"][data-diff="changed"]').waitFor();
  await page.getByRole("button", { name: "Close" }).click();
  await page.getByTestId("diff-list").getByText("count: 5 → 7").waitFor();
  await shot("4-diff");
});

void test("export and re-import; hostile and malformed files are refused with a clear error", async () => {
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export YAML" }).click();
  const file = await (await download).path();
  const yaml = await readFile(file, "utf8");
  assert.match(yaml, /name: E2E canvas pipeline/);

  const input = page.getByTestId("import-input");
  await input.setInputFiles({
    name: "exported.yaml",
    mimeType: "application/yaml",
    buffer: Buffer.from(yaml),
  });
  await page.getByRole("status").filter({ hasText: "Imported exported.yaml" }).waitFor();
  await node("numbers").waitFor();

  const hostile = JSON.stringify({
    apiVersion: "flowforge.dev/v1",
    kind: "Pipeline",
    name: "<img src=x onerror=alert(1)>",
    nodes: [{ id: "x", type: "evil.<script>alert(1)</script>" }],
    edges: [],
  });
  await input.setInputFiles({
    name: "hostile.json",
    mimeType: "application/json",
    buffer: Buffer.from(hostile),
  });
  const alert = page.getByRole("alert").filter({ hasText: "hostile.json is not a valid pipeline" });
  await alert.waitFor();
  assert.match(
    (await alert.textContent()) ?? "",
    /unknown type "evil\.<script>alert\(1\)<\/script>"/,
  );
  assert.equal(await page.locator("script:text('alert(1)')").count(), 0);

  await input.setInputFiles({
    name: "broken.json",
    mimeType: "application/json",
    buffer: Buffer.from('{"nodes": ['),
  });
  await page
    .getByRole("alert")
    .filter({ hasText: "broken.json: not valid JSON or YAML" })
    .waitFor();

  const huge = Buffer.alloc(10 * 1024 * 1024, " ");
  await input.setInputFiles({ name: "huge.json", mimeType: "application/json", buffer: huge });
  await page.getByRole("alert").filter({ hasText: "the limit is 5 MB" }).waitFor();
  await node("numbers").waitFor();
  await shot("5-import-refused");
  await writeFile(path.join(shots, "exported.yaml"), yaml);
});

void test("run from the editor: every node turns succeeded", async () => {
  await page.getByRole("button", { name: "Run…" }).click();
  await page.getByLabel("Reuse cached outputs of unchanged steps").uncheck();
  await page.getByRole("button", { name: "Start run" }).click();
  await page
    .locator('[data-testid="editor-run-status"][data-status="succeeded"]')
    .waitFor({ timeout: 60_000 });
  for (const id of ["numbers", "sum", "sleep"]) {
    await node(id).locator('[data-run-status="succeeded"]').waitFor();
  }
  await node("sum").click();
  // The inspector previews the node's input (the numbers) and its output (their summary).
  await page.getByTestId("output-preview").nth(1).waitFor();
  assert.match((await page.getByTestId("output-preview").first().textContent()) ?? "", /^\[/);
  assert.match((await page.getByTestId("output-preview").last().textContent()) ?? "", /"count": 7/);
  await shot("6-run-succeeded");
});

void test("a dataset pipeline: the inspector previews the data and picks columns from the upstream schema", async () => {
  await page.goto(`${BASE_URL}/pipelines/new`);
  const canvas = page.locator(".react-flow__pane");
  await page
    .locator('[data-palette-type="ingest.sample"]')
    .dragTo(canvas, { targetPosition: { x: 150, y: 150 } });
  await page
    .locator('[data-palette-type="prep.select"]')
    .dragTo(canvas, { targetPosition: { x: 500, y: 150 } });
  await node("sample").waitFor();
  await connect(handle("sample", "dataset", "source"), handle("select", "input", "target"));
  await page.getByTestId("validation-ok").waitFor();
  await page.getByLabel("Pipeline name").fill("E2E dataset pipeline");
  await page.getByRole("button", { name: "Run…" }).click();
  await page.getByRole("button", { name: "Start run" }).click();
  await page
    .locator('[data-testid="editor-run-status"][data-status="succeeded"]')
    .waitFor({ timeout: 60_000 });

  await node("select").click();
  const picker = page.getByLabel("Columns", { exact: true });
  await pickColumn(page, picker, "spec", "species");
  await pickColumn(page, picker, "body_m", "body_mass_g");
  await page.getByTestId("dataset-preview").first().waitFor();
  assert.match(
    (await page.getByTestId("dataset-preview").first().textContent()) ?? "",
    /344 rows · 8 columns/,
  );
  await shot("7-dataset-columns");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("status").filter({ hasText: "Saved version 2" }).waitFor();
});

void test("upload a CSV in chunks from the inspector and run it", async () => {
  await page.goto(`${BASE_URL}/pipelines/new`);
  await page
    .locator('[data-palette-type="ingest.upload"]')
    .dragTo(page.locator(".react-flow__pane"), { targetPosition: { x: 200, y: 150 } });
  await node("upload").click();
  await page.getByTestId("upload-input").setInputFiles("examples/data/penguins-raw.csv");
  await page.getByTestId("uploaded-file").filter({ hasText: "penguins-raw.csv" }).waitFor();
  await page.getByTestId("validation-ok").waitFor();
  await page.getByLabel("Pipeline name").fill("E2E upload pipeline");
  await page.getByRole("button", { name: "Run…" }).click();
  await page.getByRole("button", { name: "Start run" }).click();
  await page
    .locator('[data-testid="editor-run-status"][data-status="succeeded"]')
    .waitFor({ timeout: 60_000 });
  await node("upload").click();
  await page.getByTestId("dataset-preview").first().waitFor();
  assert.match(
    (await page.getByTestId("dataset-preview").first().textContent()) ?? "",
    /344 rows · 17 columns/,
  );
  await shot("8-upload");
});

void test("messy files: ragged, Latin-1, UTF-16 and BOM CSVs read or say which line, before running", async () => {
  await page.goto(`${BASE_URL}/pipelines/new`);
  const pane = page.locator(".react-flow__pane");
  await page
    .locator('[data-palette-type="ingest.upload"]')
    .dragTo(pane, { targetPosition: { x: 160, y: 180 } });
  await node("upload").waitFor();
  await page
    .locator('[data-palette-type="prep.split"]')
    .dragTo(pane, { targetPosition: { x: 520, y: 180 } });
  await node("split").waitFor();
  await connect(handle("upload", "dataset", "source"), handle("split", "input", "target"));
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 1);

  const upload = async (name: string, bytes: Buffer) => {
    await node("upload").click();
    await page
      .getByTestId("upload-input")
      .setInputFiles({ name, mimeType: "text/csv", buffer: bytes });
    await page.getByTestId("uploaded-file").filter({ hasText: name }).waitFor();
  };
  /** The split's label picker: the columns the file will have, known before anything runs. */
  const columns = async (want: string) => {
    await node("split").click();
    const label = page.getByLabel("Label (target)", { exact: true });
    for (let i = 0; ; i++) {
      const options = await pickerOptions(page, label);
      if (options.includes(want) || i === 20) return options;
      await page.waitForTimeout(250);
    }
  };

  // Ragged: the node says which line and column, and which field fixes it.
  await upload("ragged.csv", Buffer.from("a,b,c\n1,2,3\n4,5\n6,7,8\n"));
  const problem = node("upload").getByTestId("node-problem");
  await problem.filter({ hasText: 'line 3, column "c"' }).waitFor();
  assert.match((await problem.textContent()) ?? "", /Skip malformed rows/);
  assert.doesNotMatch((await problem.textContent()) ?? "", /\/tmp|\/work|\.data/);
  await shot("9-ragged-flagged");
  await node("upload").click();
  await page.getByLabel("Skip malformed rows").check();
  await problem.waitFor({ state: "detached" });
  assert.deepEqual(await columns("c"), ["a", "b", "c"]);

  // Latin-1 (Windows-1252), UTF-16 with its mark, UTF-8 with a BOM: read as they are.
  await upload("latin1.csv", Buffer.from("name,city\nJos\xe9,Z\xfcrich\nAna,K\xf6ln\n", "latin1"));
  assert.deepEqual(await columns("city"), ["name", "city"]);
  await upload("utf16.csv", Buffer.from("\ufeffid,ville\n1,Besançon\n2,Nîmes\n", "utf16le"));
  assert.deepEqual(await columns("ville"), ["id", "ville"]);
  await upload("bom.csv", Buffer.from("\ufeffid,value\n1,2\n", "utf8"));
  assert.deepEqual(await columns("value"), ["id", "value"]);
  await page.getByTestId("validation-ok").waitFor();
  await shot("10-messy-files-read");
});

void test("sticky notes and groups: typed on the canvas, kept through save, reload, export and import", async () => {
  await createFromTemplate(page, "Penguin species classifier");
  await node("split").waitFor();
  const pane = page.locator(".react-flow__pane");
  // Right-click an empty place: a note there, its text typed in Markdown.
  const box = (await pane.boundingBox())!;
  await page.mouse.click(box.x + 120, box.y + box.height - 120, { button: "right" });
  await page.getByRole("menuitem", { name: "Add a note here" }).click();
  const text = page.getByLabel("Note text (Markdown)");
  await text.waitFor();
  await page.keyboard.type("**Split** by species.", { delay: 10 });
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  await page.keyboard.type("- ask Ana", { delay: 10 });
  await page.keyboard.press("Escape");
  const note = page.getByTestId("note-text");
  await note.locator("strong", { hasText: "Split" }).waitFor();
  await note.locator("li", { hasText: "ask Ana" }).waitFor();

  // Two nodes selected (Ctrl+click), then Group: a frame around them, titled by typing.
  await node("split").click();
  await node("impute").click({ modifiers: [mod] });
  await page.getByRole("button", { name: "Group", exact: true }).click();
  const title = page.getByLabel("Group title");
  await title.click();
  await page.keyboard.type("Preparation", { delay: 10 });
  await page.keyboard.press("Enter");
  await shot("11-note-and-group");

  // Dragging the group's frame moves the nodes in it, not the others.
  const at = async (id: string) => (await node(id).boundingBox())!;
  const [splitBefore, rawBefore] = [await at("split"), await at("raw")];
  const frame = page.locator('[data-group-id="group"]');
  const f = (await frame.boundingBox())!;
  // Held by its empty lower-left corner (the nodes sit in the middle).
  await page.mouse.move(f.x + 12, f.y + f.height - 12);
  await page.mouse.down();
  await page.mouse.move(f.x + 52, f.y + f.height + 48, { steps: 12 });
  await page.mouse.up();
  const [splitAfter, rawAfter] = [await at("split"), await at("raw")];
  assert.ok(Math.abs(splitAfter.y - splitBefore.y) > 20, "split moved with its group");
  assert.equal(Math.round(rawAfter.y), Math.round(rawBefore.y), "raw stayed");

  await page.keyboard.press(`${mod}+S`);
  await page.getByRole("status").filter({ hasText: "Saved version 2." }).waitFor();
  await page.reload();
  await note.locator("strong", { hasText: "Split" }).waitFor();
  assert.equal(await page.getByLabel("Group title").inputValue(), "Preparation");

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export JSON" }).click();
  const exported = await readFile(await (await download).path(), "utf8");
  const doc = JSON.parse(exported) as {
    notes: { text: string }[];
    groups: { id: string; title: string }[];
    nodes: { id: string; group?: string }[];
  };
  assert.equal(doc.notes[0]?.text, "**Split** by species.\n\n- ask Ana");
  assert.deepEqual(
    doc.groups.map((g) => g.title),
    ["Preparation"],
  );
  assert.deepEqual(
    doc.nodes.filter((n) => n.group === "group").map((n) => n.id),
    ["split", "impute"],
  );

  // Imported into a blank pipeline: the same notes and groups.
  await page.goto(`${BASE_URL}/pipelines/new`);
  await page.getByTestId("import-input").setInputFiles({
    name: "annotated.json",
    mimeType: "application/json",
    buffer: Buffer.from(exported),
  });
  await note.locator("li", { hasText: "ask Ana" }).waitFor();
  assert.equal(await page.getByLabel("Group title").inputValue(), "Preparation");
  await shot("12-imported-annotations");
});
