import {
  chromium,
  type Browser,
  type BrowserContextOptions,
  type Locator,
  type Page,
} from "playwright-core";

export const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:3000";

/** Debian's Chromium: browser downloads by test tools do not work offline. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** The first admin `npm start` creates in the e2e data directory (product.ts sets these). */
export const E2E_ADMIN = { email: "admin@e2e.test", password: "e2e admin password" };

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("whoami").filter({ hasText: email }).waitFor({ timeout: 30_000 });
}

/** A fresh browser context signed in as `who` (the admin unless given). */
export async function signedInPage(
  browser: Browser,
  options: BrowserContextOptions = {},
  who: { email: string; password: string } = E2E_ADMIN,
): Promise<Page> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await signIn(page, who.email, who.password);
  return page;
}

/**
 * Creates a pipeline from the template named `name` on the Pipelines page. The template list
 * opens by itself when there are no pipelines yet, so it is opened only if it is not showing.
 */
export async function createFromTemplate(page: Page, name: string): Promise<void> {
  await page.goto(`${BASE_URL}/pipelines`);
  const create = page
    .getByRole("listitem")
    .filter({ hasText: name })
    .getByRole("button", { name: "Create" });
  const toggle = page.getByRole("button", { name: /New pipeline/ });
  for (let attempt = 0; attempt < 3 && !(await create.isVisible()); attempt++) {
    await page.waitForLoadState("networkidle");
    if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
    await create.waitFor({ timeout: 5_000 }).catch(() => undefined);
  }
  await create.click();
  await page.waitForURL(/\/pipelines\/[0-9a-f-]{36}$/);
}

/** A node's port handle on the canvas. */
export const portHandle = (page: Page, nodeId: string, port: string, type: "source" | "target") =>
  page.locator(`.react-flow__handle.${type}[data-nodeid="${nodeId}"][data-handleid="${port}"]`);

/** Presses the mouse on `from` and releases it on `to` (a locator's centre or a point), moving in steps as a hand does. */
export async function dragTo(
  page: Page,
  from: Locator,
  to: Locator | { x: number; y: number },
): Promise<void> {
  const a = (await from.boundingBox())!;
  const b = "boundingBox" in to ? (await to.boundingBox())! : { ...to, width: 0, height: 0 };
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

/** The columns a column picker (a combobox) offers: opened with a click, as a person does. */
export async function pickerOptions(page: Page, field: Locator): Promise<string[]> {
  await field.click();
  const list = page.getByRole("listbox").filter({ has: page.getByRole("option") });
  await list.waitFor();
  const options = await list.getByRole("option").allTextContents();
  await page.keyboard.press("Escape");
  return options;
}

/** Picks a column in a picker: a click, the first letters typed, Enter on the first match. */
export async function pickColumn(page: Page, field: Locator, typed: string, want = typed) {
  await field.click();
  await page.keyboard.type(typed, { delay: 15 });
  await page.getByRole("listbox").getByRole("option").first().filter({ hasText: want }).waitFor();
  await page.keyboard.press("Enter");
  await page.keyboard.press("Escape");
}
