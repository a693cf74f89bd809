import assert from "node:assert/strict";
import { mkdir, readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { BASE_URL, E2E_ADMIN, launchBrowser, signedInPage, createFromTemplate } from "./browser";

let browser: Browser;
/** The pipeline whose first run puts penguin-species v1 in production. */
let productionPipeline = "";
const shots = "test-results/people";
const password = "e2e member password";
const people = {
  analyst: { email: "analyst@e2e.test", password, role: "Analyst" },
  data_scientist: { email: "scientist@e2e.test", password, role: "Data scientist" },
  manager: { email: "manager@e2e.test", password, role: "Manager" },
};
const everyone = ["Pipelines", "Runs", "Models", "Deployments", "Schedules", "Tokens"];
const navFor = {
  analyst: everyone,
  data_scientist: everyone,
  manager: [...everyone, "Dashboard", "Audit"],
  admin: [...everyone, "Dashboard", "Audit", "Members"],
};

before(async () => {
  browser = await launchBrowser();
  await mkdir(shots, { recursive: true });
});
after(async () => {
  await browser.close();
});

async function navLinks(page: Page): Promise<string[]> {
  const links = page.getByRole("navigation").getByRole("link");
  await links.nth(1).waitFor();
  return (await links.allTextContents()).filter((t) => t !== "Flowforge");
}

void test("a signed-out visitor is sent to sign in, and a wrong password is refused", async () => {
  const page = await browser.newPage();
  await page.goto(`${BASE_URL}/runs`);
  await page.waitForURL(/\/sign-in\?next=%2Fruns$/);
  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page
    .getByRole("alert")
    .filter({ hasText: /invalid email or password/i })
    .waitFor();
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/runs$/);
  await page.close();
});

void test("an admin adds people with roles, and each sees only what their role may do", async () => {
  const admin = await signedInPage(browser);
  assert.deepEqual(await navLinks(admin), navFor.admin);
  await admin.goto(`${BASE_URL}/members`);
  for (const [key, p] of Object.entries(people)) {
    await admin.getByRole("textbox", { name: "Email", exact: true }).fill(p.email);
    await admin.getByRole("combobox", { name: "Role", exact: true }).selectOption(key);
    await admin.getByLabel("First password (new accounts)").fill(p.password);
    await admin.getByRole("button", { name: "Add member" }).click();
    await admin.getByRole("cell", { name: p.email }).first().waitFor();
  }
  await admin.screenshot({ path: `${shots}/members.png`, fullPage: true });

  for (const [key, p] of Object.entries(people)) {
    const page = await signedInPage(browser, {}, p);
    assert.match((await page.getByTestId("whoami").textContent()) ?? "", new RegExp(p.role));
    assert.deepEqual(await navLinks(page), navFor[key as keyof typeof people]);
    await page.goto(`${BASE_URL}/members`);
    await page
      .getByRole("alert")
      .filter({ hasText: /members\.list needs the Admin role/ })
      .waitFor();
    if (key !== "manager") {
      await page.goto(`${BASE_URL}/audit`);
      await page
        .getByRole("alert")
        .filter({ hasText: /audit\.list needs the Manager role/ })
        .waitFor();
    }
    await page.context().close();
  }
  await admin.context().close();
});

void test("an admin creates a service account token for CI, which works until revoked", async () => {
  const admin = await signedInPage(browser, { viewport: { width: 1440, height: 900 } });
  await admin.getByRole("navigation").getByRole("link", { name: "Tokens" }).click();
  const form = admin.getByRole("form", { name: "New service account" });
  await form.getByLabel("Name").click();
  await admin.keyboard.type("github-actions", { delay: 10 });
  await form.getByLabel("Role").selectOption("analyst");
  await form.getByRole("button", { name: "Create token" }).click();
  const token = ((await admin.getByTestId("new-token").locator("code").textContent()) ?? "").trim();
  assert.match(token, /^fft_/);
  const row = admin.locator('[data-token="github-actions"]');
  await row.getByText("service account").waitFor();
  await admin.screenshot({ path: `${shots}/tokens.png`, fullPage: true });
  // A CI job calls the API with it: an analyst's procedure works, a manager's does not.
  const call = (procedure: string) =>
    fetch(`${BASE_URL}/api/trpc/${procedure}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await call("pipelines.list")).status, 200);
  assert.equal((await call("dashboard.get")).status, 403);
  await row.getByRole("button", { name: "Revoke" }).click();
  await row.getByText("revoked").waitFor();
  const after = await call("pipelines.list");
  assert.equal(after.status, 401);
  assert.match(await after.text(), /revoked/);
  await admin.context().close();
});

void test("an analyst's production deploy waits until a manager approves it", async () => {
  const analyst = await signedInPage(
    browser,
    { viewport: { width: 1400, height: 900 } },
    people.analyst,
  );
  await createFromTemplate(analyst, "Penguins to production");
  productionPipeline = analyst.url();
  await analyst.locator('[data-node-id="deploy"]').waitFor();
  await analyst.getByRole("button", { name: "Run…" }).click();
  await analyst.getByRole("button", { name: "Start run" }).click();
  await analyst.getByTestId("editor-run-status").getByRole("link", { name: "details" }).click();
  await analyst.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const runUrl = analyst.url();
  const deployRow = analyst.locator('[data-step-id="deploy"]');
  await deployRow.locator('[data-status="awaiting_approval"]').waitFor({ timeout: 120_000 });
  await deployRow.getByText("awaiting a manager's approval").waitFor();
  assert.equal(await deployRow.getByRole("button", { name: "Approve" }).count(), 0);
  await analyst.screenshot({ path: `${shots}/awaiting-approval.png`, fullPage: true });

  const manager = await signedInPage(
    browser,
    { viewport: { width: 1400, height: 900 } },
    people.manager,
  );
  await manager.goto(`${BASE_URL}/dashboard`);
  const pending = manager
    .getByRole("region", { name: "Pending approvals" })
    .getByRole("link", { name: /Penguins to production v1 · deploy/ });
  await pending.waitFor({ timeout: 30_000 });
  await manager.screenshot({ path: `${shots}/dashboard.png`, fullPage: true });
  await pending.click();
  await manager.waitForURL(runUrl);
  // Who asked is on the page, and what to decide on: the candidate's test metrics (nothing
  // serves in production yet) and its training data.
  assert.equal(await manager.getByTestId("run-started-by").textContent(), people.analyst.email);
  const context = manager.getByTestId("approval-context");
  await context
    .getByRole("row")
    .filter({ hasText: "accuracy" })
    .first()
    .waitFor({ timeout: 30_000 });
  await context.getByText("this would be its first version there").waitFor();
  await context.getByRole("cell", { name: "bill_length_mm", exact: true }).waitFor();
  // Approve asks for a comment and a confirmation.
  const managerDeploy = manager.locator('[data-step-id="deploy"]');
  await managerDeploy.getByRole("button", { name: "Approve" }).click();
  await managerDeploy.getByLabel("Approval comment").click();
  await manager.keyboard.type("Same features as v1; test accuracy looks right.", { delay: 5 });
  await managerDeploy.getByRole("button", { name: "Confirm approval" }).click();
  await manager
    .locator('[data-testid="run-status"][data-status="succeeded"]')
    .waitFor({ timeout: 60_000 });
  assert.match(
    (await managerDeploy.getByTestId("approval-record").textContent()) ?? "",
    /approved by manager@e2e\.test: “Same features as v1; test accuracy looks right\.”/,
  );
  // A trained model can be registered from the run without deploying it, then served from the
  // Models page: the name and the endpoint typed in, Enter to submit.
  const modelRow = manager
    .getByRole("region", { name: "Artifacts" })
    .getByRole("row")
    .filter({ has: manager.getByRole("link", { name: /^Download .+ model$/ }) })
    .first();
  await modelRow.getByRole("button", { name: "Register…" }).click();
  const modelName = modelRow.getByLabel("Model name");
  await modelName.fill("");
  await modelName.pressSequentially("penguin-candidate");
  await modelName.press("Enter");
  await modelRow.getByRole("link", { name: "Registered as penguin-candidate v1" }).click();
  await manager.waitForURL(`${BASE_URL}/models`);
  const candidate = manager.locator('[data-model="penguin-candidate"]');
  await candidate.getByRole("button", { name: "Deploy…" }).click();
  const endpointName = candidate.getByLabel("Endpoint name");
  await endpointName.fill("");
  await endpointName.pressSequentially("penguin-candidate");
  await endpointName.press("Enter");
  await candidate.getByRole("link", { name: "Serving on penguin-candidate" }).waitFor();
  assert.match((await candidate.getByTestId("api-key").textContent()) ?? "", /ffk_/);
  await manager.goto(`${BASE_URL}/deployments`);
  await manager.getByText("penguin-species").first().waitFor();
  // Open Inference Protocol clients reach the web app's /v2 without a session: server metadata,
  // and a protocol error (not the sign-in page) for a request without a key.
  const server = await fetch(`${BASE_URL}/v2`, { redirect: "manual" });
  assert.equal(server.status, 200);
  const meta = (await server.json()) as { name: string; extensions: string[] };
  assert.equal(meta.name, "flowforge");
  assert.ok(meta.extensions.includes("binary_tensor_data"));
  const keyless = await fetch(`${BASE_URL}/v2/models/penguin-species`, { redirect: "manual" });
  assert.equal(keyless.status, 401);
  assert.match(((await keyless.json()) as { error: string }).error, /missing API key/);
  // The endpoint's page says how to call it, and a manager tries it: a new key (confirmed), then
  // the example row sent with that key, typed in.
  await manager
    .locator('[data-deployment="penguin-species"]')
    .getByRole("link", { name: "How to call it" })
    .click();
  await manager.getByRole("heading", { name: "How to call penguin-species" }).waitFor();
  const inputs = manager.getByRole("table", { name: "Inputs" });
  await inputs.getByRole("cell", { name: "bill_length_mm", exact: true }).waitFor();
  assert.equal(await inputs.getByText("species", { exact: true }).count(), 0);
  await manager.getByRole("button", { name: "New API key…" }).click();
  await manager.getByRole("button", { name: "Create new key" }).click();
  const apiKey = (await manager.getByTestId("api-key").locator("code").textContent()) ?? "";
  assert.match(apiKey, /^ffk_/);
  const tryIt = manager.getByRole("form", { name: "Try it" });
  const keyField = tryIt.getByLabel("API key");
  await keyField.fill("");
  await keyField.pressSequentially(apiKey);
  await keyField.press("Enter");
  await manager.getByTestId("try-answer").filter({ hasText: /^200 / }).waitFor();
  assert.match(
    (await manager.getByTestId("try-answer").textContent()) ?? "",
    /"label": "(Adelie|Chinstrap|Gentoo)"/,
  );
  // The same page over time: the request just sent is counted, and v1's deploy is its history.
  await manager
    .getByTestId("traffic-totals")
    .filter({ hasText: /^[1-9]\d* answered/ })
    .waitFor({ timeout: 30_000 });
  await manager
    .getByRole("table", { name: "Version history" })
    .getByRole("cell", { name: "v1", exact: true })
    .first()
    .waitFor();
  await manager.screenshot({ path: `${shots}/endpoint-usage.png`, fullPage: true });
  await manager.goto(`${BASE_URL}/audit`);
  const approval = manager.getByRole("row").filter({ hasText: "run.approve" });
  await approval.first().waitFor();
  assert.match((await approval.first().textContent()) ?? "", /manager@e2e\.test/);
  await manager.screenshot({ path: `${shots}/audit.png`, fullPage: true });

  // The analyst's page follows along.
  await analyst
    .locator('[data-testid="run-status"][data-status="succeeded"]')
    .waitFor({ timeout: 30_000 });
  await analyst.context().close();
  await manager.context().close();
});

void test("a manager decides on a new version with production's metrics and the changes beside it, and reads its model card", async () => {
  const scientist = await signedInPage(
    browser,
    { viewport: { width: 1440, height: 900 } },
    people.data_scientist,
  );
  // More trees: typed into the boosted trees' form, saved as version 2, run.
  await scientist.goto(productionPipeline);
  await scientist.locator('[data-node-id="gbdt"]').click();
  const trees = scientist.getByLabel(/^Trees/);
  await trees.click();
  await scientist.keyboard.press("ControlOrMeta+a");
  await scientist.keyboard.type("45", { delay: 20 });
  await scientist.getByRole("button", { name: "Save", exact: true }).click();
  await scientist.getByRole("status").filter({ hasText: "Saved version 2" }).waitFor();
  await scientist.getByRole("button", { name: "Run…" }).click();
  await scientist.getByRole("button", { name: "Start run" }).click();
  await scientist.getByTestId("editor-run-status").getByRole("link", { name: "details" }).click();
  await scientist.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const runUrl = scientist.url();
  await scientist
    .locator('[data-testid="run-status"][data-status="awaiting_approval"]')
    .waitFor({ timeout: 120_000 });

  const manager = await signedInPage(
    browser,
    { viewport: { width: 1440, height: 900 } },
    people.manager,
  );
  await manager.goto(runUrl);
  const context = manager.getByTestId("approval-context");
  // Candidate and production side by side, on the same test rows.
  const metrics = context.getByTestId("approval-metrics");
  await metrics.getByRole("columnheader", { name: "Production (v1)" }).waitFor({ timeout: 30_000 });
  const accuracy = metrics.locator('[data-metric="accuracy"]').getByRole("cell");
  await context
    .getByText("Both were evaluated on the same test rows.")
    .waitFor({ timeout: 30_000 });
  const [candidate, production] = [
    Number(await accuracy.nth(1).textContent()),
    Number(await accuracy.nth(2).textContent()),
  ];
  assert.ok(candidate > 0.8 && candidate <= 1, `candidate accuracy ${candidate}`);
  assert.ok(production > 0.8 && production <= 1, `production accuracy ${production}`);
  // What changed since the version behind production, and the data with its drift.
  const changes = context.getByTestId("approval-changes");
  await changes.getByText("trees 30 → 45").waitFor();
  await context.getByTestId("drift-bill_length_mm").waitFor();
  await manager.screenshot({ path: `${shots}/approval-context.png`, fullPage: true });

  const deploy = manager.locator('[data-step-id="deploy"]');
  await deploy.getByRole("button", { name: "Approve" }).click();
  await deploy.getByLabel("Approval comment").click();
  await manager.keyboard.type("45 trees: same accuracy, no drift.", { delay: 5 });
  await deploy.getByRole("button", { name: "Confirm approval" }).click();
  await manager
    .locator('[data-testid="run-status"][data-status="succeeded"]')
    .waitFor({ timeout: 60_000 });
  // The evaluate step's test accuracy, as the run page shows it.
  const evalAccuracy = Number(
    await manager.locator('[data-experiment="eval"] [data-metric="accuracy"]').textContent(),
  );

  // The model card of the version now in production.
  await manager.goto(`${BASE_URL}/models`);
  await manager
    .locator('[data-model="penguin-species"]')
    .getByRole("row")
    .filter({ hasText: "v2" })
    .getByRole("link", { name: "Model card" })
    .click();
  await manager.getByRole("heading", { name: /Model card: penguin-species v2/ }).waitFor();
  const testTable = manager.getByRole("table", { name: "Test metrics" });
  const cardAccuracy = Number(
    await testTable
      .getByRole("row")
      .filter({ hasText: "Accuracy" })
      .getByRole("cell")
      .nth(1)
      .textContent(),
  );
  assert.ok(Math.abs(cardAccuracy - evalAccuracy) < 1e-4, `${cardAccuracy} vs ${evalAccuracy}`);
  await manager.getByRole("button", { name: "Edit intended use" }).click();
  await manager.getByRole("textbox", { name: "Intended use" }).click();
  await manager.keyboard.type("Sorting penguins at the field station; not for other species.", {
    delay: 5,
  });
  await manager.getByRole("button", { name: "Save", exact: true }).click();
  await manager.getByTestId("card-Intended use").getByText("not for other species").waitFor();
  await manager.getByLabel("Group by").selectOption("island");
  const perGroup = manager.getByRole("table", { name: "Performance per group" });
  await perGroup.getByRole("cell", { name: "Biscoe", exact: true }).waitFor();
  await manager
    .getByTestId("card-approvals")
    .getByText("“45 trees: same accuracy, no drift.”", { exact: false })
    .waitFor();
  await manager.screenshot({ path: `${shots}/model-card.png`, fullPage: true });

  const [md] = await Promise.all([
    manager.waitForEvent("download"),
    manager.getByRole("button", { name: "Download Markdown" }).click(),
  ]);
  const markdown = await readFile(await md.path(), "utf8");
  assert.match(markdown, /^# Model card: penguin-species v2/);
  assert.match(markdown, /\| island \| Rows \| Accuracy \|/);
  assert.match(markdown, /\| Biscoe \| \d+ \| /);
  assert.match(markdown, /not for other species/);
  assert.match(
    markdown,
    /Approved by manager@e2e\.test on .*“45 trees: same accuracy, no drift\.”/,
  );
  const [pdf] = await Promise.all([
    manager.waitForEvent("download"),
    manager.getByRole("button", { name: "Download PDF" }).click(),
  ]);
  const bytes = await readFile(await pdf.path());
  assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
  assert.ok(bytes.toString("latin1").includes("Performance per group"));
  assert.ok(bytes.toString("latin1").includes("Biscoe"));
  await scientist.context().close();
  await manager.context().close();
});

void test("a manager filters the runs table and compares two runs side by side", async () => {
  const manager = await signedInPage(
    browser,
    { viewport: { width: 1400, height: 900 } },
    people.manager,
  );
  // Two runs of a pipeline of its own, so the test stands alone.
  await createFromTemplate(manager, "Parallel branches");
  const pipelineId = manager.url().split("/").pop()!;
  const details = manager.getByTestId("editor-run-status").getByRole("link", { name: "details" });
  let previous: string | null = null;
  for (let i = 0; i < 2; i++) {
    await manager.getByRole("button", { name: "Run…" }).click();
    await manager.getByRole("button", { name: "Start run" }).click();
    // The status shown is this run's, not the one before.
    await manager.waitForFunction(
      (before) => {
        const a = document.querySelector('[data-testid="editor-run-status"] a');
        return a !== null && a.getAttribute("href") !== before;
      },
      previous,
      { timeout: 30_000 },
    );
    previous = await details.getAttribute("href");
    await manager
      .locator('[data-testid="editor-run-status"][data-status="succeeded"]')
      .waitFor({ timeout: 60_000 });
  }
  await manager.goto(`${BASE_URL}/runs`);
  const table = manager.getByRole("table", { name: "Runs" });
  await table.locator("tbody tr").first().waitFor({ timeout: 30_000 });
  const filters = manager.getByRole("search", { name: "Filter runs" });
  // One filter at a time: each lands in the URL before the next is chosen.
  await filters.getByLabel("Pipeline").selectOption(pipelineId);
  await manager.waitForURL(new RegExp(`pipeline=${pipelineId}`));
  await filters.getByLabel("Status").selectOption("succeeded");
  await manager.waitForURL(
    (url) =>
      url.searchParams.get("pipeline") === pipelineId &&
      url.searchParams.get("status") === "succeeded",
  );
  // The table keeps the previous rows (aria-busy) until the filtered ones arrive:
  // wait for the settled table to hold exactly this pipeline's two succeeded runs.
  await manager.waitForFunction(
    () => {
      const trs = document.querySelectorAll('table[aria-label="Runs"][aria-busy="false"] tbody tr');
      const statuses = [...trs].flatMap((tr) => {
        const s = tr.querySelector("[data-status]");
        return s ? [s.getAttribute("data-status")] : [];
      });
      return statuses.length === 2 && statuses.every((s) => s === "succeeded");
    },
    undefined,
    { timeout: 30_000 },
  );
  const rows = table.locator("tbody tr").filter({ has: manager.locator("[data-status]") });
  await rows.nth(0).getByRole("checkbox").check();
  await rows.nth(1).getByRole("checkbox").check();
  await manager.getByRole("button", { name: "Compare" }).click();
  await manager.waitForURL(/\/runs\/compare\?ids=/);
  await manager.getByRole("table", { name: "Summary" }).waitFor();
  await manager.getByRole("heading", { name: "Parameters" }).waitFor();
  const ids = new URL(manager.url()).searchParams.get("ids")!.split(",");
  assert.equal(ids.length, 2);
  await manager.screenshot({ path: `${shots}/compare.png`, fullPage: true });
  await manager.context().close();
});

void test("four eyes: a manager cannot approve a run they started, and rejects it with a reason", async () => {
  const manager = await signedInPage(
    browser,
    { viewport: { width: 1440, height: 900 } },
    people.manager,
  );
  await createFromTemplate(manager, "Penguins to production");
  await manager.locator('[data-node-id="deploy"]').waitFor();
  await manager.getByRole("button", { name: "Run…" }).click();
  await manager.getByRole("button", { name: "Start run" }).click();
  await manager.getByTestId("editor-run-status").getByRole("link", { name: "details" }).click();
  await manager.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const deploy = manager.locator('[data-step-id="deploy"]');
  await deploy.locator('[data-status="awaiting_approval"]').waitFor({ timeout: 120_000 });
  await deploy.getByTestId("four-eyes").waitFor();
  await manager.locator('[data-testid="run-status"][data-status="awaiting_approval"]').waitFor();
  assert.equal(await deploy.getByRole("button", { name: "Approve" }).isDisabled(), true);
  await manager.screenshot({ path: `${shots}/four-eyes.png` });
  await deploy.getByRole("button", { name: "Reject" }).click();
  await deploy.getByLabel("Reason for rejecting").click();
  await manager.keyboard.type("Not from my own run.", { delay: 5 });
  await deploy.getByRole("button", { name: "Confirm rejection" }).click();
  await deploy
    .getByTestId("approval-record")
    .filter({ hasText: "rejected by manager@e2e.test: “Not from my own run.”" })
    .waitFor({ timeout: 60_000 });
  // Rejected, not failed: the step and the run say so.
  await deploy.locator('[data-status="rejected"]').waitFor();
  await manager.locator('[data-testid="run-status"][data-status="rejected"]').waitFor();
  const runId = manager.url().split("/").pop()!;
  // Everywhere: the runs list (and its status filter) and the dashboard.
  await manager.goto(`${BASE_URL}/runs`);
  await manager.getByLabel("Status").selectOption("rejected");
  await manager.locator(`a[href="/runs/${runId}"]`).first().waitFor({ timeout: 30_000 });
  await manager.locator('[data-status="rejected"]').first().waitFor();
  await manager.goto(`${BASE_URL}/dashboard`);
  const rejectedStat = manager.locator('[data-stat="Rejected runs"]');
  await rejectedStat.waitFor();
  assert.match((await rejectedStat.textContent()) ?? "", /[1-9]/);
  await manager.context().close();
});
