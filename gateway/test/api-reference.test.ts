import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Browser } from "playwright-core";
import { launchChromium } from "../../e2e/src/chromium.js";
import { startTestRegion } from "../../e2e/src/factories.js";
import type { RunningRegion } from "../../e2e/src/region.js";

describe("the interactive API reference at /docs", () => {
  let region: RunningRegion;
  let browser: Browser;

  beforeAll(async () => {
    region = await startTestRegion("gateway_docs");
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await region?.close();
  });

  it("serves the page and its scripts locally, without credentials, under a script-src 'self' policy", async () => {
    const page = await fetch(`${region.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/<script>/);
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|fonts)/);
    const init = await fetch(`${region.url}/docs/init.js`);
    expect(init.status).toBe(200);
    expect(await init.text()).toContain("/v1/openapi.json");
    const script = await fetch(`${region.url}/docs/standalone.js`);
    expect(script.status).toBe(200);
    await script.body?.cancel();
  });

  it("lists the API's routes in headless Chromium, with every outside request blocked", async () => {
    const context = await browser.newContext();
    const outside: string[] = [];
    const origin = new URL(region.url).origin;
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) {
        return route.continue();
      }
      outside.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    await page.goto(`${region.url}/docs`, { waitUntil: "load", timeout: 60_000 });
    await page.getByText("Clment API").first().waitFor({ timeout: 60_000 });
    const text = await page.locator("body").innerText({ timeout: 60_000 });
    // The sidebar lists every tag; the first tag's operations are rendered in full.
    for (const tag of ["Auth", "Contracts", "Reviews", "Playbooks", "Settings", "Credits"]) {
      expect(text).toContain(tag);
    }
    expect(text).toContain("Sign up: a new organization in this region");
    expect(text).toContain("/v1/auth/signup");
    await context.close();
    // Working offline is the point: nothing needed the internet (blocked calls are reported).
    expect(outside.filter((url) => !/scalar|jsdelivr|unpkg|googleapis/.test(url))).toEqual([]);
  }, 120_000);
});
