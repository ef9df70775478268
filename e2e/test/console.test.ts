import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { BrowserContext, Locator, Page } from "playwright-core";
import {
  call,
  startRecordingServer,
  uniqueId,
  waitFor,
  type RecordingServer,
} from "@clment/testing";
import {
  accessibilityViolations,
  goTo as goToIn,
  screenshot as screenshotOf,
  signUp,
  startConsoleBrowser,
  unexpectedErrors,
  type ConsoleBrowser,
} from "../src/console-browser.js";
import { newOrganization, PASSWORD } from "../src/factories.js";
import type { RunningRegion } from "../src/region.js";

describe("the admin console in headless Chromium, served by the gateway at /", () => {
  let harness: ConsoleBrowser;
  let region: RunningRegion;
  let receiver: RecordingServer;
  let owner: BrowserContext;
  let page: Page;
  const ownerEmail = `owner-${uniqueId()}@example.com`;

  const api = (path: string, token: string) =>
    fetch(`${region.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  const newContext = () => harness.newContext();
  const open = (context: BrowserContext, hash: string) => harness.open(context, hash);
  const goTo = (link: string) => goToIn(page, link);
  const screenshot = (name: string) => screenshotOf(page, name);
  /** axe-core finds no serious or critical WCAG A/AA violation on the page as it is now. */
  const expectAccessible = async (on: Page = page) =>
    expect(await accessibilityViolations(on)).toEqual([]);

  beforeAll(async () => {
    harness = await startConsoleBrowser("e2e_console");
    region = harness.region;
    receiver = await startRecordingServer();
    owner = await newContext();
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
  });

  it("serves index.html at / under a CSP allowing only this origin's scripts, and its hashed assets", async () => {
    const index = await fetch(`${region.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toContain("text/html");
    const csp = index.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await index.text();
    expect(html).not.toMatch(/<script>/);
    expect(html).not.toMatch(/https?:\/\//);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${region.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
    await asset.body?.cancel();
    const missing = await call(region.url, "GET", "/assets/nope.js");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("NOT_FOUND");
    const traversal = await call(region.url, "GET", "/assets/..%2F..%2Fpackage.json");
    expect(traversal.status).toBe(404);
  });

  it("signs up, creates an API key whose secret is shown once, uses it, revokes it in the UI: then the API answers 401", async () => {
    page = await open(owner, "#/signup");
    await page.getByRole("heading", { level: 1, name: "Sign up" }).waitFor();
    await expectAccessible();
    await signUp(page, "Console Test Org", ownerEmail);
    expect(await page.getByRole("heading", { name: "Settings" }).count()).toBe(1);
    await page.getByTestId("workspace-balance").waitFor();
    await expectAccessible();

    await goTo("API & Integrations");
    await page.getByLabel("Label").fill("ci key");
    await page.getByRole("button", { name: "Create key" }).click();
    const secretField = page.getByTestId("secret");
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^clm_sk_live_[0-9A-Za-z]{32}$/);
    await expect(page.getByText("you will not see this again").count()).resolves.toBe(1);
    const row = page.getByTestId("api-key-ci key");
    await row.waitFor();
    const prefix = await row.locator("code").innerText();
    expect(secret.startsWith(prefix)).toBe(true);
    await expect(row.innerText()).resolves.toContain("Olive Owner");
    await screenshot("api-and-integrations");
    await expectAccessible();

    const me = await api("/v1/me", secret);
    expect(me.status).toBe(200);
    expect(((await me.json()) as any).data.principal).toMatchObject({
      type: "api_key",
      label: "ci key",
    });

    // Away and back: the secret is gone for good.
    await goTo("Members");
    await goTo("API & Integrations");
    await page.getByTestId("api-key-ci key").waitFor();
    expect(await page.getByTestId("secret").count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    await page.getByRole("button", { name: "Revoke ci key" }).click();
    const dialog = page.getByRole("alertdialog");
    await dialog.waitFor();
    await expectAccessible();
    await dialog.getByRole("button", { name: "Revoke key" }).click();
    await page
      .getByTestId("api-key-ci key")
      .getByText(/Revoked/)
      .waitFor();
    const after = await api("/v1/me", secret);
    expect(after.status).toBe(401);
  }, 60_000);

  it("keeps the session in an httpOnly cookie: a reload or a new tab stays signed in, and no script can read the token", async () => {
    await page.reload({ waitUntil: "load" });
    await page.getByRole("heading", { level: 1, name: "API & Integrations" }).waitFor();
    await page.getByText(`${ownerEmail} (owner)`).waitFor();
    const tab = await open(owner, "#/");
    await tab.getByRole("heading", { level: 1, name: "Workspace" }).waitFor();
    await tab.close();

    const port = new URL(region.url).port;
    const cookies = await owner.cookies(region.url);
    const session = cookies.find((c) => c.name === `clment_session_${port}`);
    const csrf = cookies.find((c) => c.name === `clment_csrf_${port}`);
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/", secure: false });
    expect(session!.value).toMatch(/^clm_ses_/);
    expect(session!.expires * 1000 - Date.now()).toBeGreaterThan(13 * 24 * 3600 * 1000);
    expect(csrf).toMatchObject({ httpOnly: false, sameSite: "Strict", path: "/" });

    // A string, run in the page (the tests compile without the DOM's types).
    const seen = (await page.evaluate(`({
      cookie: document.cookie,
      local: JSON.stringify({ ...window.localStorage }),
      session: JSON.stringify({ ...window.sessionStorage }),
    })`)) as { cookie: string; local: string; session: string };
    expect(seen.cookie).toBe(`clment_csrf_${port}=${csrf!.value}`);
    expect(seen.cookie).not.toContain("clm_ses_");
    expect(seen.local).toBe("{}");
    expect(seen.session).toBe("{}");

    // Another origin of the same site (SameSite lets the cookies go along) posts a form to the
    // API: it cannot add the CSRF header, and the gateway checks Origin too.
    const attacker = await owner.newPage();
    const evil = "http://127.0.0.1:1";
    const target = `${region.url}/v1/settings/api-keys`;
    await attacker.route(`${evil}/**`, (route) =>
      route.fulfill({
        contentType: "text/html",
        body:
          `<!doctype html><form method="post" enctype="text/plain" action="${target}">` +
          `<input name='{"label":"forged","x":"' value='"}'></form>`,
      }),
    );
    await attacker.goto(`${evil}/`);
    await Promise.all([
      attacker.waitForURL(target),
      attacker.evaluate('document.querySelector("form").submit()'),
    ]);
    const answer = JSON.parse(await attacker.locator("body").innerText());
    expect(answer.error.code).toBe("FORBIDDEN");
    expect(answer.error.message).toContain("origin");
    await attacker.close();
    const token = session!.value;
    const keys = await api("/v1/settings/api-keys", token);
    const labels = ((await keys.json()) as any).data.apiKeys.map((k: { label: string }) => k.label);
    expect(labels).not.toContain("forged");
  }, 60_000);

  it("an invited member accepts the invite in the UI and sees the workspace but no Settings; the API still refuses them", async () => {
    const email = `member-${uniqueId()}@example.com`;
    await goTo("Members");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Name").fill("Mo Member");
    await page.getByRole("button", { name: "Invite" }).click();
    const link = await page.getByTestId("secret").inputValue();
    expect(link).toContain("#/accept-invite?token=");
    await page.getByRole("cell", { name: email, exact: true }).waitFor();
    await screenshot("members");

    const memberContext = await newContext();
    const member = await open(memberContext, link.slice(link.indexOf("#")));
    await member.getByRole("heading", { level: 1, name: "Accept invite" }).waitFor();
    await expectAccessible(member);
    await member.getByLabel("Your name").fill("Mo Member");
    await member.getByLabel("Choose a password").fill(PASSWORD);
    await member.getByRole("button", { name: "Join organization" }).click();
    await member.getByRole("heading", { level: 1, name: "Workspace" }).waitFor();
    await member.getByText(`${email} (member)`).waitFor();
    await member.getByTestId("workspace-balance").waitFor();
    await expectAccessible(member);
    expect(await member.getByRole("heading", { name: "Settings" }).count()).toBe(0);
    expect(await member.getByRole("link", { name: "API & Integrations" }).count()).toBe(0);
    // Typing the settings address by hand.
    await member.evaluate('window.location.hash = "#/settings/api-keys"');
    await member.getByText("Settings are for owners and admins").waitFor();
    await screenshotOf(member, "member-workspace");
    await memberContext.close();

    const login = await call(region.url, "POST", "/v1/auth/login", {
      body: { email, password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const refused = await api("/v1/settings/api-keys", login.body.data.session.token);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).error.code).toBe("FORBIDDEN");
  }, 60_000);

  it("buying a credit pack in Billing grows the balance and shows in the ledger", async () => {
    await goTo("Billing");
    const total = page.getByTestId("balance-total");
    await total.waitFor();
    const before = Number(await total.innerText());
    await page.getByRole("button", { name: "Buy 100 credits" }).click();
    await page.getByRole("alertdialog").waitFor();
    await expectAccessible();
    await page.getByRole("alertdialog").getByRole("button", { name: "Buy pack" }).click();
    await page.getByText("Bought a pack of 100 credits.").waitFor();
    await waitFor(async () => Number(await total.innerText()) === before + 100, {
      timeoutMs: 15_000,
    });
    await screenshot("billing");
    await expectAccessible();
  }, 60_000);

  it("creates a webhook with the event picker (secret once), sends a test event and shows its delivery", async () => {
    await goTo("Webhooks");
    const url = `${receiver.url}/clment`;
    await page.getByLabel("Endpoint URL").fill(url);
    await page.getByLabel("contract.created").check();
    await page.getByLabel("review.completed").check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = await page.getByTestId("secret").inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole("button", { name: `Deliveries of ${url}` }).click();
    await page.getByRole("button", { name: "Send test event" }).click();
    await receiver.waitForRequests(1, undefined, { timeoutMs: 20_000 });
    const deliveries = page.getByTestId("deliveries");
    await waitFor(
      async () => {
        await page.getByRole("button", { name: "Refresh" }).click();
        return (await deliveries.innerText()).includes("succeeded");
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );
    await screenshot("webhooks");
    await expectAccessible();
  }, 60_000);

  it("renames the organization, and the audit log lists what was done", async () => {
    await goTo("Organization");
    const name = page.getByLabel("Name");
    await waitFor(async () => (await name.inputValue()) === "Console Test Org");
    await name.fill("Renamed Org");
    await page.getByLabel("Timezone").fill("Europe/Paris");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved.").waitFor();
    await page.getByRole("banner").getByText("Renamed Org").waitFor();
    await screenshot("organization");
    await expectAccessible();

    await goTo("Audit log");
    await page
      .getByRole("cell", { name: /api_key/ })
      .first()
      .waitFor();
    await screenshot("audit-log");
    await expectAccessible();

    expect(harness.outside).toEqual([]);
    expect(unexpectedErrors(harness.pageErrors)).toEqual([]);
  }, 60_000);

  it("signing out revokes the session and clears its cookies: a reload shows sign-in", async () => {
    const token = (await owner.cookies(region.url)).find((c) =>
      c.name.startsWith("clment_session_"),
    )!.value;
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    expect(await owner.cookies(region.url)).toEqual([]);
    await page.reload({ waitUntil: "load" });
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await expectAccessible();
    expect((await api("/v1/me", token)).status).toBe(401);

    // A session revoked elsewhere: the next request is 401, its cookies go, sign-in shows.
    const other = await newContext();
    const signedIn = await open(other, "#/signin");
    await signedIn.getByLabel("Email").fill(ownerEmail);
    await signedIn.getByLabel("Password").fill(PASSWORD);
    await signedIn.getByRole("button", { name: "Sign in" }).click();
    await signedIn.getByRole("heading", { level: 1, name: "Workspace" }).waitFor();
    const revoked = (await other.cookies(region.url)).find((c) =>
      c.name.startsWith("clment_session_"),
    )!.value;
    await call(region.url, "POST", "/v1/auth/logout", { token: revoked });
    await signedIn
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Billing" })
      .click();
    await signedIn.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    expect(await other.cookies(region.url)).toEqual([]);
    await other.close();
  }, 60_000);

  it("works with the keyboard alone: signs in, creates a key and revokes it, focus moving into the dialog and back", async () => {
    const { owner: someone } = await newOrganization(region.url);
    const context = await newContext();
    const tab = await open(context, "#/signin");
    const press = (key: string) => tab.keyboard.press(key);
    const isFocused = (target: Locator) =>
      target.evaluate((element: any) => element === element.ownerDocument.activeElement);
    /** Tabs forward until `target` has focus (it must be reachable within 40 stops). */
    const tabTo = async (target: Locator) => {
      for (let stop = 0; stop < 40; stop += 1) {
        if (await isFocused(target)) return;
        await press("Tab");
      }
      throw new Error(`Tab never reached ${target.toString()}`);
    };
    const heading = (name: string) => tab.getByRole("heading", { level: 1, name });

    await heading("Sign in").waitFor();
    await tabTo(tab.getByLabel("Email"));
    await tab.keyboard.type(someone.email);
    await tabTo(tab.getByLabel("Password"));
    await tab.keyboard.type(PASSWORD);
    await press("Enter");
    // Each new page takes focus at its heading.
    await heading("Workspace").waitFor();
    await waitFor(() => isFocused(heading("Workspace")));

    const nav = tab.getByRole("navigation", { name: "Main" });
    await tabTo(nav.getByRole("link", { name: "API & Integrations" }));
    await press("Enter");
    await heading("API & Integrations").waitFor();
    await waitFor(() => isFocused(heading("API & Integrations")));

    await tabTo(tab.getByLabel("Label"));
    await tab.keyboard.type("keyboard key");
    await press("Enter");
    // The secret shown once takes focus (selected, ready to copy).
    const secretField = tab.getByTestId("secret");
    await secretField.waitFor();
    await waitFor(() => isFocused(secretField));
    const secret = await secretField.inputValue();
    expect((await api("/v1/me", secret)).status).toBe(200);

    const revoke = tab.getByRole("button", { name: "Revoke keyboard key" });
    await tabTo(revoke);
    await press("Space");
    const dialog = tab.getByRole("alertdialog");
    await dialog.waitFor();
    // Into the dialog, on its harmless choice; Escape cancels and focus is back on Revoke.
    await waitFor(() => isFocused(dialog.getByRole("button", { name: "Cancel" })));
    await press("Escape");
    await dialog.waitFor({ state: "detached" });
    await waitFor(() => isFocused(revoke));
    expect((await api("/v1/me", secret)).status).toBe(200);

    await press("Enter");
    await dialog.waitFor();
    await waitFor(() => isFocused(dialog.getByRole("button", { name: "Cancel" })));
    // Tab stays inside the confirmation until it is answered: from Cancel back to Revoke key,
    // and Shift+Tab from there to Cancel, and back.
    await press("Tab");
    expect(await isFocused(dialog.getByRole("button", { name: "Revoke key" }))).toBe(true);
    await press("Shift+Tab");
    expect(await isFocused(dialog.getByRole("button", { name: "Cancel" }))).toBe(true);
    await press("Shift+Tab");
    expect(await isFocused(dialog.getByRole("button", { name: "Revoke key" }))).toBe(true);
    await press("Enter");
    await tab
      .getByTestId("api-key-keyboard key")
      .getByText(/Revoked/)
      .waitFor();
    await tab.getByText("The key “keyboard key” is revoked.").waitFor();
    // The Revoke button is gone: focus waits on the list's heading, not lost to the page.
    await waitFor(() => isFocused(tab.getByRole("heading", { level: 2, name: "API keys" })));
    expect((await api("/v1/me", secret)).status).toBe(401);
    await context.close();
  }, 60_000);
});
