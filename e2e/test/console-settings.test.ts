import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { BrowserContext, Page } from "playwright-core";
import {
  call,
  startOidcProvider,
  startRecordingServer,
  uniqueId,
  waitFor,
  type RecordedRequest,
  type RecordingServer,
  type TestOidcProvider,
} from "@clment/testing";
import { verifyWebhook } from "@clment/webhooks";
import {
  accessibilityViolations,
  goTo as goToIn,
  screenshot as screenshotOf,
  signUp,
  startConsoleBrowser,
  unexpectedErrors,
  type ConsoleBrowser,
} from "../src/console-browser.js";
import { newMember, PASSWORD } from "../src/factories.js";

/**
 * The settings pages beyond the first ones, driven in headless Chromium: member roles, webhook
 * edit, rotation and redelivery, key expiry, cloud integrations, single sign-on (settings, and
 * signing in through a real OIDC provider started here), and plan change.
 */
describe("the console's settings pages in headless Chromium", () => {
  let harness: ConsoleBrowser;
  let url: string;
  let receiver: RecordingServer;
  let provider: TestOidcProvider;
  let owner: BrowserContext;
  let page: Page;
  /** The owner's own API session, to check through the API what the UI did. */
  let ownerToken: string;
  const domain = `acme-${uniqueId()}.test`;
  const ownerEmail = `owner@${domain}`;

  const goTo = (link: string) => goToIn(page, link);
  const screenshot = (name: string) => screenshotOf(page, name);
  const get = async (path: string) => {
    const response = await call(url, "GET", path, { token: ownerToken });
    expect(response.status).toBe(200);
    return response;
  };
  const dialog = () => page.getByRole("alertdialog");
  /** axe-core finds no serious or critical WCAG A/AA violation on the page as it is now. */
  const expectAccessible = async (on: Page = page) =>
    expect(await accessibilityViolations(on)).toEqual([]);

  /** The SSO binding cookie(s) the browser context holds. */
  const ssoBindingCookies = async (context: BrowserContext) =>
    (await context.cookies()).filter((c) => c.name.startsWith("clment_sso_"));

  /** The provider's own (development) login and consent pages, after its redirect there. */
  async function signInAtProvider(on: Page, accountId: string) {
    await on.locator('input[name="login"]').fill(accountId);
    await on.locator('input[name="password"]').fill("any");
    await on.getByRole("button", { name: "Sign-in" }).click();
    await on.getByRole("button", { name: "Continue" }).click();
  }

  beforeAll(async () => {
    harness = await startConsoleBrowser("e2e_console_settings");
    url = harness.region.url;
    receiver = await startRecordingServer();
    provider = await startOidcProvider(`${url}/sso/callback`);
    harness.allowOrigin(provider.issuer);
    owner = await harness.newContext();
    page = await harness.open(owner, "#/signup");
    await signUp(page, "Settings Test Org", ownerEmail);
    const login = await call(url, "POST", "/v1/auth/login", {
      body: { email: ownerEmail, password: PASSWORD },
    });
    ownerToken = login.body.data.session.token;
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
    await provider?.close();
  });

  it("changes a member's role and removes them; demoting the last owner shows the API's refusal", async () => {
    const member = await newMember(url, ownerToken);
    await goTo("Members");
    const role = page.getByLabel(`Role of ${member.email}`);
    await role.selectOption("admin");
    await page.getByText(`${member.email} is now admin.`).waitFor();
    const members = await get("/v1/settings/members?take=100");
    expect(members.body.data.members).toContainEqual(
      expect.objectContaining({ email: member.email, role: "admin" }),
    );

    await page.getByLabel(`Role of ${ownerEmail}`).selectOption("member");
    await page
      .getByRole("alert")
      .getByText(/last owner/)
      .waitFor();
    await waitFor(
      async () => (await page.getByLabel(`Role of ${ownerEmail}`).inputValue()) === "owner",
    );
    const me = await get("/v1/me");
    expect(me.body.data.principal.role).toBe("owner");

    await page.getByRole("button", { name: `Remove ${member.email}` }).click();
    await expectAccessible();
    await dialog().getByRole("button", { name: "Remove member" }).click();
    await page.getByText(`${member.email} was removed.`).waitFor();
    const after = await get("/v1/settings/members?take=100");
    expect(after.body.data.members.map((m: { email: string }) => m.email)).not.toContain(
      member.email,
    );
    expect((await call(url, "GET", "/v1/me", { token: member.token })).status).toBe(401);
    await screenshot("members-roles");
    await expectAccessible();
  }, 60_000);

  it("creates a key that expires, and the list shows when", async () => {
    await goTo("API & Integrations");
    await page.getByLabel("Label").fill("expiring key");
    await page.getByLabel("Expires").selectOption("30");
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByTestId("secret").waitFor();
    const row = page.getByTestId("api-key-expiring key");
    await row.waitFor();
    const keys = await get("/v1/settings/api-keys");
    const key = keys.body.data.apiKeys.find((k: { label: string }) => k.label === "expiring key");
    const days = (Date.parse(key.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    // The Expires column, as this browser formats the API's expiresAt.
    const shown = await page.evaluate((at) => new Date(at).toLocaleString(), key.expiresAt);
    await expect(row.locator("td").nth(5).innerText()).resolves.toBe(shown);
  }, 60_000);

  it("saves an S3 integration whose secret is never shown back, keeps it on a blank save, and removes it", async () => {
    const secret = `wJalrXUtnFEMI/K7MDENG/${uniqueId(12)}`;
    await goTo("API & Integrations");
    const s3 = page.getByRole("region", { name: "Amazon S3" });
    await s3.getByText("Not connected").waitFor();
    await s3.getByLabel("Bucket").fill("Not_A_Bucket");
    await s3.getByLabel("AWS region").fill("eu-west-1");
    await s3.getByLabel("Access key ID").fill("AKIAIOSFODNN7EXAMPLE");
    await s3.getByLabel("Secret access key").fill(secret);
    await s3.getByRole("button", { name: "Save Amazon S3" }).click();
    // The 400's details, under the field they name.
    const bucket = s3.getByLabel("Bucket");
    await waitFor(async () => (await bucket.getAttribute("aria-invalid")) === "true");
    const describedBy = (await bucket.getAttribute("aria-describedby")) ?? "";
    const fieldError = page.locator(`[id="${describedBy.split(" ").at(-1)}"]`);
    await expect(fieldError.innerText()).resolves.toContain("must be an S3 bucket name");
    await expectAccessible();
    expect(await s3.getByLabel("AWS region").getAttribute("aria-invalid")).toBeNull();

    await bucket.fill("clment-contracts");
    await s3.getByRole("button", { name: "Save Amazon S3" }).click();
    await s3.getByText("Amazon S3 saved.").waitFor();
    await s3.getByText(/^Connected/).waitFor();
    const secretField = s3.getByLabel("Secret access key");
    expect(await secretField.inputValue()).toBe("");
    expect(await secretField.getAttribute("placeholder")).toBe("stored — leave blank to keep");
    expect(await page.content()).not.toContain(secret);
    await screenshot("integrations");
    await expectAccessible();

    const listed = await get("/v1/settings/integrations");
    expect(listed.text).not.toContain(secret);
    const stored = listed.body.data.integrations.find(
      (i: { provider: string }) => i.provider === "s3",
    );
    expect(stored.config).toEqual({
      bucket: "clment-contracts",
      region: "eu-west-1",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: { set: true },
    });

    // A blank secret keeps the stored one.
    await s3.getByLabel("Key prefix (optional)").fill("contracts/");
    await s3.getByRole("button", { name: "Save Amazon S3" }).click();
    await waitFor(async () => {
      const again = await get("/v1/settings/integrations");
      const s3Again = again.body.data.integrations.find(
        (i: { provider: string }) => i.provider === "s3",
      );
      return s3Again.config?.prefix === "contracts/" && s3Again.config.secretAccessKey.set === true;
    });

    await s3.getByRole("button", { name: "Remove Amazon S3" }).click();
    await dialog().getByRole("button", { name: "Remove integration" }).click();
    await s3.getByText("Amazon S3 removed.").waitFor();
    await s3.getByText("Not connected").waitFor();
    const removed = await get("/v1/settings/integrations");
    expect(
      removed.body.data.integrations.find((i: { provider: string }) => i.provider === "s3"),
    ).toMatchObject({ configured: false, config: null });
  }, 60_000);

  it("saves single sign-on with a write-only client secret, showing a bad domain next to its field", async () => {
    await goTo("Single sign-on");
    await page.getByTestId("sso-state").getByText("Not configured").waitFor();
    await page.getByLabel("Issuer URL").fill(provider.issuer);
    await page.getByLabel("Client ID").fill(provider.clientId);
    await page.getByLabel("Client secret").fill(provider.clientSecret);
    await page.getByLabel("Allowed email domains").fill(`${domain}, not a domain`);
    await page.getByRole("button", { name: "Save single sign-on" }).click();
    const domains = page.getByLabel("Allowed email domains");
    await waitFor(async () => (await domains.getAttribute("aria-invalid")) === "true");
    await page.getByText("must be a domain, e.g. example.com").waitFor();

    await domains.fill(domain);
    await page.getByRole("button", { name: "Save single sign-on" }).click();
    await page.getByText("Single sign-on saved.").waitFor();
    await page
      .getByTestId("sso-state")
      .getByText(/^Configured/)
      .waitFor();
    const secretField = page.getByLabel("Client secret");
    expect(await secretField.inputValue()).toBe("");
    expect(await secretField.getAttribute("placeholder")).toBe("stored — leave blank to keep");
    expect(await page.content()).not.toContain(provider.clientSecret);
    await page.getByText(/Owners keep their password as a break-glass path/).waitFor();
    await screenshot("single-sign-on");
    await expectAccessible();

    const sso = await get("/v1/settings/sso");
    expect(sso.text).not.toContain(provider.clientSecret);
    expect(sso.body.data.sso).toMatchObject({
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: { set: true },
      allowedDomains: [domain],
      enforced: false,
    });

    // Required: an admin's password is refused, the owner's is the break-glass path.
    const admin = await newMember(url, ownerToken, "admin");
    await page.getByLabel("Require single sign-on").check();
    await page.getByRole("button", { name: "Save single sign-on" }).click();
    await waitFor(async () => (await get("/v1/settings/sso")).body.data.sso.enforced === true);
    const refused = await call(url, "POST", "/v1/auth/login", {
      body: { email: admin.email, password: PASSWORD },
    });
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/single sign-on/);
    const owners = await call(url, "POST", "/v1/auth/login", {
      body: { email: ownerEmail, password: PASSWORD },
    });
    expect(owners.status).toBe(200);
    await page.getByLabel("Require single sign-on").uncheck();
    await page.getByRole("button", { name: "Save single sign-on" }).click();
    await waitFor(async () => (await get("/v1/settings/sso")).body.data.sso.enforced === false);
  }, 60_000);

  it("shows single sign-on to an admin read-only: only owners change it", async () => {
    const admin = await newMember(url, ownerToken, "admin");
    const context = await harness.newContext();
    try {
      const adminPage = await harness.open(context, "#/signin");
      await adminPage.getByLabel("Email").fill(admin.email);
      await adminPage.getByLabel("Password").fill(PASSWORD);
      await adminPage.getByRole("button", { name: "Sign in", exact: true }).click();
      await adminPage.getByText(`${admin.email} (admin)`).waitFor();
      await goToIn(adminPage, "Single sign-on");
      await adminPage.getByTestId("sso-owner-only").waitFor();
      // The configuration arrives after the page: wait for it before reading the fields.
      await adminPage
        .getByTestId("sso-state")
        .getByText(/^Configured/)
        .waitFor();
      await waitFor(
        async () => (await adminPage.getByLabel("Issuer URL").inputValue()) === provider.issuer,
      );
      expect(await adminPage.getByLabel("Issuer URL").isDisabled()).toBe(true);
      expect(await adminPage.getByLabel("Require single sign-on").isDisabled()).toBe(true);
      expect(await adminPage.getByRole("button", { name: "Save single sign-on" }).count()).toBe(0);
      await expectAccessible(adminPage);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("signs a new person in with SSO end to end: provider login, /sso/callback, workspace, no code left in the address", async () => {
    const email = `sam-${uniqueId()}@${domain}`;
    provider.addAccount(email, { email, emailVerified: true, name: "Sam Sso" });
    const context = await harness.newContext();
    const browser = await harness.open(context, "#/signin");
    await browser.getByRole("link", { name: "Sign in with SSO" }).click();
    await browser.getByRole("heading", { level: 1, name: "Sign in with SSO" }).waitFor();
    await screenshotOf(browser, "sso-sign-in");
    await expectAccessible(browser);
    await browser.getByLabel("Work email").fill(email);
    await browser.getByRole("button", { name: "Continue with SSO" }).click();

    // The provider's own (development) login and consent pages.
    await browser.waitForURL((at) => at.origin === provider.issuer);
    // The sign-in is bound to this browser by an HttpOnly, Strict cookie for its ten minutes.
    expect(await ssoBindingCookies(context)).toEqual([
      expect.objectContaining({ httpOnly: true, sameSite: "Strict", path: "/" }),
    ]);
    await signInAtProvider(browser, email);

    // The console page's same-origin fetch of the callback carried the Strict cookie. (Here the
    // provider is another origin of the same site; a provider on another site changes nothing:
    // only the redirect's navigation is cross-site, and it does not need the cookie.)
    await browser.getByRole("heading", { level: 1, name: "Workspace" }).waitFor();
    await browser.getByText(`${email} (member)`).waitFor();
    expect(browser.url()).toBe(`${url}/#/`);
    expect(await ssoBindingCookies(context)).toEqual([]);

    // Back at /sso/callback while signed in (another tab finished first, or the history): the
    // workspace stays that of the session, and the single-use code leaves the address at once.
    const { body } = await call(
      url,
      "GET",
      `/v1/auth/sso/start?email=${encodeURIComponent(email)}`,
    );
    const returned = await provider.authorize(body.data.authorizationUrl, email);
    await browser.goto(`${url}/sso/callback?${new URLSearchParams(returned)}`, {
      waitUntil: "load",
    });
    await browser.getByRole("heading", { level: 1, name: "Workspace" }).waitFor();
    await browser.getByText(`${email} (member)`).waitFor();
    expect(browser.url()).toBe(`${url}/`);
    expect(await browser.evaluate("window.location.search")).toBe("");
    await context.close();

    const members = await get("/v1/settings/members?take=100");
    expect(members.body.data.members).toContainEqual(
      expect.objectContaining({ email, name: "Sam Sso", role: "member", status: "active" }),
    );
  }, 60_000);

  it("refuses an SSO callback link opened in another browser than the one that started it (login CSRF)", async () => {
    // The attacker starts a sign-in in their browser and signs in at the provider as themselves,
    // but keeps the callback link instead of following it...
    const email = `mallory-${uniqueId()}@${domain}`;
    provider.addAccount(email, { email, emailVerified: true, name: "Mallory" });
    const attacker = await harness.newContext();
    const attackerPage = await harness.open(attacker, "#/sso");
    await attackerPage.getByLabel("Work email").fill(email);
    await attackerPage.getByRole("button", { name: "Continue with SSO" }).click();
    await attackerPage.waitForURL((at) => at.origin === provider.issuer);
    let callbackUrl: string | undefined;
    // The provider's redirect back to /sso/callback is kept, not followed. (The browser follows
    // a redirect without routing it, so each of the provider's redirects becomes a page that
    // moves on by itself, a navigation that is routed again.)
    await attackerPage.route(
      (at) => at.origin === provider.issuer,
      async (route) => {
        const response = await route.fetch({ maxRedirects: 0 });
        const { location, ...headers } = response.headers();
        if (!location) return route.fulfill({ response });
        const next = new URL(location, route.request().url());
        if (next.pathname === "/sso/callback") {
          callbackUrl = next.href;
          return route.fulfill({ status: 200, contentType: "text/html", body: "kept" });
        }
        return route.fulfill({
          status: 200,
          headers: { ...headers, "content-type": "text/html" },
          body: `<meta http-equiv="refresh" content="0;url=${next.href}">`,
        });
      },
    );
    await signInAtProvider(attackerPage, email);
    await waitFor(async () => callbackUrl !== undefined);
    expect(new URL(callbackUrl!).searchParams.get("code")).toBeTruthy();

    // ...and has the victim open it: the victim's browser is not signed in, and says why.
    const victim = await harness.newContext();
    const victimPage = await victim.newPage();
    await victimPage.goto(callbackUrl!, { waitUntil: "load" });
    await victimPage
      .getByRole("alert")
      .getByText(/Single sign-on did not complete/)
      .waitFor();
    await victimPage.getByText(/This sign-in was started in another browser/).waitFor();
    expect(victimPage.url()).toBe(`${url}/sso/callback`);
    await expectAccessible(victimPage);
    const me = await victimPage.evaluate(async () => (await fetch("/v1/me")).status);
    expect(me).toBe(401);
    expect((await victim.cookies()).map((c) => c.name)).toEqual([]);

    // The link is used up: not even the attacker's own browser can complete it now.
    await attackerPage.unrouteAll();
    await attackerPage.goto(callbackUrl!, { waitUntil: "load" });
    await attackerPage.getByText(/invalid, expired or already used/).waitFor();
    const members = await get("/v1/settings/members?take=100");
    expect(members.body.data.members.map((m: { email: string }) => m.email)).not.toContain(email);
    await attacker.close();
    await victim.close();
  }, 60_000);

  it("shows a failed SSO callback (unknown state) with the reason and a way back to sign in", async () => {
    const context = await harness.newContext();
    const browser = await context.newPage();
    await browser.goto(`${url}/sso/callback?code=forged&state=not-a-state`, { waitUntil: "load" });
    await browser
      .getByRole("alert")
      .getByText(/Single sign-on did not complete/)
      .waitFor();
    await browser.getByText(/invalid, expired or already used/).waitFor();
    expect(browser.url()).toBe(`${url}/sso/callback`);
    await screenshotOf(browser, "sso-callback-error");
    await expectAccessible(browser);
    await browser.getByRole("link", { name: "go back to sign in" }).click();
    await browser.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await context.close();
  }, 60_000);

  describe("a webhook endpoint", () => {
    const endpoint = () => `${receiver.url}/hooks`;
    let secret: string;
    const deliveriesTo = (path: string) => receiver.requests.filter((r) => r.path === path);

    const sendTestAndWait = async (path: string): Promise<RecordedRequest> => {
      const before = deliveriesTo(path).length;
      await page.getByRole("button", { name: "Send test event" }).click();
      const [request] = (
        await receiver.waitForRequests(before + 1, (r) => r.path === path, { timeoutMs: 20_000 })
      ).slice(-1);
      return request!;
    };

    beforeAll(async () => {
      await goTo("Webhooks");
      await page.getByLabel("Endpoint URL").fill(endpoint());
      await page.getByLabel("contract.created").check();
      await page.getByRole("button", { name: "Add endpoint" }).click();
      secret = await page.getByTestId("secret").inputValue();
    }, 60_000);

    it("redelivers a delivery from the deliveries list", async () => {
      await page.getByRole("button", { name: `Deliveries of ${endpoint()}` }).click();
      const first = await sendTestAndWait("/hooks");
      const rows = page.getByTestId("deliveries");
      await waitFor(
        async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return (await rows.innerText()).includes("succeeded");
        },
        { timeoutMs: 20_000, intervalMs: 300 },
      );
      await rows
        .getByRole("button", { name: /^Redeliver / })
        .first()
        .click();
      await page.getByText("Redelivery queued.").waitFor();
      const again = await receiver.waitForRequests(2, (r) => r.path === "/hooks", {
        timeoutMs: 20_000,
      });
      // The same message again (same webhook-id), signed with the endpoint's secret.
      expect(again[1]!.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
      expect(() => verifyWebhook(secret, again[1]!.headers, again[1]!.body)).not.toThrow();
    }, 60_000);

    it("is edited (url, description, events, enabled) and its secret rotated: the new secret verifies, the old one still does for 24 h", async () => {
      const row = page.getByRole("row").filter({ hasText: endpoint() });
      await row.getByRole("button", { name: `Edit ${endpoint()}` }).click();
      // The panel's heading names the endpoint's URL, which this edit changes.
      const edit = page.getByRole("region", { name: /^Edit http/ });
      await edit.getByLabel("Endpoint URL").fill(`${receiver.url}/hooks-v2`);
      await edit.getByLabel("Description").fill("Contracts feed");
      await edit.getByLabel("review.completed").check();
      await edit.getByLabel(/^Enabled/).uncheck();
      await edit.getByRole("button", { name: "Save endpoint" }).click();
      await edit.getByText("Endpoint saved.").waitFor();
      const webhooks = await get("/v1/settings/webhooks");
      expect(webhooks.body.data.webhooks[0]).toMatchObject({
        url: `${receiver.url}/hooks-v2`,
        description: "Contracts feed",
        events: expect.arrayContaining(["contract.created", "review.completed"]),
        enabled: false,
      });
      await page
        .getByRole("row")
        .filter({ hasText: "Contracts feed" })
        .getByText("Disabled")
        .waitFor();

      await page.getByRole("heading", { name: `Edit ${receiver.url}/hooks-v2` }).waitFor();
      await edit.getByLabel(/^Enabled/).check();
      await edit.getByRole("button", { name: "Save endpoint" }).click();
      await page
        .getByRole("row")
        .filter({ hasText: "Contracts feed" })
        .getByText("Enabled")
        .waitFor();

      await expectAccessible();
      await edit.getByRole("button", { name: "Rotate secret" }).click();
      await expect(dialog().innerText()).resolves.toMatch(/24 hours/);
      await expectAccessible();
      await dialog().getByRole("button", { name: "Rotate secret" }).click();
      const newSecret = await edit.getByTestId("secret").inputValue();
      expect(newSecret).toMatch(/^whsec_/);
      expect(newSecret).not.toBe(secret);
      await edit.getByText(/previous secret still verifies deliveries until/).waitFor();
      await screenshot("webhooks-edit");
      await expectAccessible();

      const rows = page.getByRole("row").filter({ hasText: "Contracts feed" });
      await rows.getByRole("button", { name: /^Deliveries of / }).click();
      await page.getByRole("heading", { name: `Deliveries to ${receiver.url}/hooks-v2` }).waitFor();
      const delivered = await sendTestAndWait("/hooks-v2");
      expect(() => verifyWebhook(newSecret, delivered.headers, delivered.body)).not.toThrow();
      expect(() => verifyWebhook(secret, delivered.headers, delivered.body)).not.toThrow();
      expect(String(delivered.headers["webhook-signature"]).split(" ")).toHaveLength(2);
      const stranger = `whsec_${Buffer.from("x".repeat(32)).toString("base64")}`;
      expect(() => verifyWebhook(stranger, delivered.headers, delivered.body)).toThrow();
    }, 60_000);
  });

  it("changes the plan after a confirmation that says what changes, up and back down", async () => {
    await goTo("Billing");
    const plan = page.getByLabel("Plan", { exact: true });
    await plan.selectOption("team");
    await page.getByRole("button", { name: "Change plan" }).click();
    const question = await dialog().innerText();
    expect(question).toContain(
      "Switch from Starter (100 credits a month) to Team (1,000 credits a month)?",
    );
    expect(question).toContain("900 credits are added to this period's allowance now");
    await screenshot("billing-plan");
    await expectAccessible();
    await dialog().getByRole("button", { name: "Switch to Team" }).click();
    await page.getByText("Your plan is now Team.").waitFor();
    const upgraded = await get("/v1/settings/billing");
    expect(upgraded.body.data.billing).toMatchObject({
      plan: "team",
      monthlyAllowance: 1000,
      allowance: { granted: 1000 },
    });

    await plan.selectOption("starter");
    await page.getByRole("button", { name: "Change plan" }).click();
    await expect(dialog().innerText()).resolves.toContain("This period keeps the credits it has");
    await dialog().getByRole("button", { name: "Switch to Starter" }).click();
    await page.getByText("Your plan is now Starter.").waitFor();
    const downgraded = await get("/v1/settings/billing");
    expect(downgraded.body.data.billing).toMatchObject({
      plan: "starter",
      allowance: { granted: 1000 },
    });
  }, 60_000);

  it("reached nothing outside the region and its identity provider, and threw no script error", () => {
    expect(harness.outside).toEqual([]);
    expect(unexpectedErrors(harness.pageErrors)).toEqual([]);
  });
});
