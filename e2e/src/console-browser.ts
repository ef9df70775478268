import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { launchChromium } from "./chromium.js";
import { overrideEnv, WEBHOOK_TEST_ENV } from "./env.js";
import { PASSWORD, startTestRegion } from "./factories.js";
import type { RunningRegion } from "./region.js";

const CONSOLE_DIR = fileURLToPath(new URL("../../console/", import.meta.url));
/** Where the browser tests write their screenshots of each console page. */
export const SCREENSHOTS = fileURLToPath(new URL("../../test-output/console/", import.meta.url));

/**
 * Where the test contexts serve axe-core to the console's pages: at the region's origin, because
 * the page's CSP (`script-src 'self'`) refuses inline script, and the test should not turn it off.
 */
const AXE_PATH = "/__test__/axe.min.js";
let axeSource: string | undefined;
const readAxe = () =>
  (axeSource ??= readFileSync(
    createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
    "utf8",
  ));

/** The origin of the page a request comes from (the region's, for the console's own requests). */
function documentOrigin(request: Request): string | undefined {
  try {
    return new URL(request.frame().url()).origin;
  } catch {
    return undefined;
  }
}

/** Builds console/dist once when it is missing (`pnpm build` normally does it). */
function ensureConsoleBuilt(): void {
  if (existsSync(`${CONSOLE_DIR}dist/index.html`)) return;
  const vite = `${CONSOLE_DIR}node_modules/vite/bin/vite.js`;
  const result = spawnSync(process.execPath, [vite, "build"], {
    cwd: CONSOLE_DIR,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`console build failed: ${result.stderr}`);
}

export interface ConsoleBrowser {
  region: RunningRegion;
  browser: Browser;
  /**
   * Requests the console's pages made outside the region and the allowed origins: blocked and
   * listed (an allowed provider's own pages are blocked the same, but not listed).
   */
  outside: string[];
  /** Uncaught errors and console errors of the console's pages (of every page opened). */
  pageErrors: string[];
  /** Lets pages reach another origin too (an identity provider started by the test). */
  allowOrigin(origin: string): void;
  /** A browser context (its own cookies) whose requests outside the allowed origins are blocked. */
  newContext(): Promise<BrowserContext>;
  /** Opens the console at `hash` (e.g. `#/signup`) in a new page of `context`. */
  open(context: BrowserContext, hash: string): Promise<Page>;
  close(): Promise<void>;
}

/**
 * A whole US region on a database and Redis prefix of its own (`label` names them), with the
 * console built and served by its gateway, and headless Chromium to drive it. There is no silent
 * pass: without Chromium this fails (`.ci/run` installs it).
 */
export async function startConsoleBrowser(label: string): Promise<ConsoleBrowser> {
  ensureConsoleBuilt();
  mkdirSync(SCREENSHOTS, { recursive: true });
  const restoreEnv = overrideEnv(WEBHOOK_TEST_ENV);
  let region: RunningRegion | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await region?.close();
    restoreEnv();
  };
  try {
    region = await startTestRegion(label);
    browser = await launchChromium();
  } catch (error) {
    await close();
    throw error;
  }
  const running = region;
  const launched = browser;
  const regionOrigin = new URL(running.url).origin;
  const origins = new Set([regionOrigin]);
  const outside: string[] = [];
  const pageErrors: string[] = [];
  return {
    region: running,
    browser: launched,
    outside,
    pageErrors,
    allowOrigin: (origin) => origins.add(new URL(origin).origin),
    async newContext() {
      const context = await launched.newContext({ viewport: { width: 1280, height: 800 } });
      await context.route("**/*", (route) => {
        const url = route.request().url();
        if (url === `${regionOrigin}${AXE_PATH}`) {
          return route.fulfill({ contentType: "text/javascript", body: readAxe() });
        }
        if (
          url.startsWith("data:") ||
          url.startsWith("blob:") ||
          origins.has(new URL(url).origin)
        ) {
          return route.continue();
        }
        // Blocked either way; listed when the console asked (not an allowed provider's page).
        const from = documentOrigin(route.request());
        if (from === regionOrigin || !origins.has(from ?? "")) outside.push(url);
        return route.abort();
      });
      return context;
    },
    async open(context, hash) {
      const page = await context.newPage();
      // The console's errors, not those of a provider's page the browser visits on the way.
      const onConsole = () => new URL(page.url()).origin === regionOrigin;
      page.on("pageerror", (error) => {
        if (onConsole()) pageErrors.push(error.message);
      });
      page.on("console", (message) => {
        if (message.type() === "error" && onConsole()) pageErrors.push(message.text());
      });
      await page.goto(`${running.url}/${hash}`, { waitUntil: "load" });
      return page;
    },
    close,
  };
}

/** Follows a link of the main navigation and waits for its page's heading. */
export async function goTo(page: Page, link: string): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link }).click();
  await page.getByRole("heading", { level: 1, name: link }).waitFor();
}

/**
 * Fills the console's sign-up form on `page` (at `#/signup`): a new organization whose owner,
 * Olive Owner, has `email` and the test password; waits for the workspace.
 */
export async function signUp(page: Page, organizationName: string, email: string): Promise<void> {
  await page.getByLabel("Organization name").fill(organizationName);
  await page.getByLabel("Your name").fill("Olive Owner");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.getByRole("heading", { level: 1, name: "Workspace" }).waitFor();
}

/** A full-page screenshot of `page` in test-output/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Page errors other than the browser's report of a refused request (a 4xx the UI shows). */
export function unexpectedErrors(pageErrors: string[]): string[] {
  return pageErrors.filter((message) => !/status of 4\d\d/.test(message));
}

/** The rules axe checks: WCAG 2.0, 2.1 and 2.2, levels A and AA. */
const AXE_OPTIONS = {
  runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
  resultTypes: ["violations"],
};

/**
 * axe-core's serious and critical WCAG A/AA violations on `page` as it is now (with whatever
 * dialog or panel is open), one line each: rule, impact, what it asks and the elements failing it.
 * The page must belong to a context of `startConsoleBrowser` (which serves axe at its origin).
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate("typeof window.axe === 'object'"))) {
    await page.addScriptTag({ url: new URL(AXE_PATH, page.url()).href });
  }
  // A string, run in the page (the tests compile without the DOM's types).
  return page.evaluate(`axe.run(document, ${JSON.stringify(AXE_OPTIONS)}).then((result) =>
    result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => v.id + " (" + v.impact + "): " + v.help + " — " +
        v.nodes.map((n) => n.target.join(" ")).join(", ")))`);
}
