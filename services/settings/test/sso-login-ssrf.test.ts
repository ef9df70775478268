import { once } from "node:events";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sql } from "kysely";
import type { CustomFetch } from "openid-client";
import { SSO_BINDING_HEADER, hashSecret } from "@clment/auth";
import { uniqueId } from "@clment/testing";
import { providerFetch, ProviderUnreachableError } from "../src/clients/sso-login.fetch.js";
import { OidcClient, OidcUnavailableError } from "../src/clients/sso-login.oidc.js";
import { loadSettingsConfig } from "../src/config.js";
import { createSettingsService } from "../src/service.js";
import { SettingsHarness } from "./harness.js";
import { hostileResolver } from "./webhook-support.js";

const UNREACHABLE = "The identity provider could not be reached";
const resolver = hostileResolver();

/**
 * The production address policy (no private networks), with http allowed so that a loopback
 * listener can show that no connection is even attempted. Anyone can sign up and point their
 * own organization's issuer anywhere; the unauthenticated start then makes settings fetch it.
 */
describe("single sign-on SSRF guard (no private networks)", () => {
  let settings: SettingsHarness;
  let listener: Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    const defaults = loadSettingsConfig({});
    expect(defaults.webhooks.allowPrivateNetworks).toBe(false);
    settings = await SettingsHarness.start({
      definition: createSettingsService({
        config: { ...defaults, webhooks: { ...defaults.webhooks, allowHttp: true } },
        resolver,
      }),
    });
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    listener.listen(0, "127.0.0.1");
    await once(listener, "listening");
    port = (listener.address() as { port: number }).port;
  });
  afterAll(async () => {
    listener?.close();
    await settings?.close();
  });

  /** A new organization whose SSO issuer is `issuer`. */
  async function organizationWithIssuer(issuer: string): Promise<string> {
    const owner = await settings.signup();
    const saved = await settings.request("PUT", "/v1/settings/sso", {
      as: owner.identity,
      body: { issuer, clientId: "clment", clientSecret: "s3cret", allowedDomains: [] },
    });
    expect(saved.status).toBe(200);
    return owner.organization.id;
  }

  it.each([
    ["loopback", () => `http://127.0.0.1:${port}`],
    ["loopback by name", () => `http://localhost:${port}/realms/acme`],
    ["IPv4-mapped IPv6 loopback", () => `http://[::ffff:127.0.0.1]:${port}`],
    ["a name that resolves to loopback", () => `http://loopback.customer.test:${port}`],
    ["private 10/8", () => "https://10.1.2.3"],
    ["cloud metadata", () => "https://169.254.169.254/latest/meta-data"],
    ["unique-local IPv6", () => "https://[fd00::1]"],
    ["a name that resolves to a private address", () => "https://internal.customer.test"],
    ["a name that resolves to the metadata address", () => "https://metadata.customer.test"],
    ["a name with one private answer among public ones", () => "https://mixed.customer.test"],
    ["a name that does not resolve", () => "https://nowhere.customer.test"],
  ])(
    "refuses an issuer on %s at sign-in, with a generic 503 that names no address",
    async (_, issuer) => {
      const organizationId = await organizationWithIssuer(issuer());
      const before = connections;
      const response = await settings.request(
        "GET",
        `/v1/auth/sso/start?organizationId=${organizationId}`,
      );
      expect(response.status).toBe(503);
      expect(response.body.error).toMatchObject({
        code: "SERVICE_UNAVAILABLE",
        message: UNREACHABLE,
      });
      expect(response.text).not.toMatch(
        /127\.0\.0\.1|10\.1\.2\.3|169\.254|192\.168|fd00|loopback|private|non-public|resolve|refused/i,
      );
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(connections).toBe(before);
      // Nothing pending was stored for a sign-in that could not start.
      const { rows } =
        await sql`select 1 from sso_logins where organization_id = ${organizationId}`.execute(
          settings.db,
        );
      expect(rows).toHaveLength(0);
    },
  );

  it("refuses the provider at the callback too (the issuer changed meanwhile), with a generic 401", async () => {
    const organizationId = await organizationWithIssuer(`http://127.0.0.1:${port}`);
    const state = `state-${uniqueId()}`;
    const binding = `binding-${uniqueId()}`;
    await settings.db
      .insertInto("sso_logins")
      .values({
        organization_id: organizationId,
        state_hash: hashSecret(state),
        nonce: "nonce",
        code_verifier: "v".repeat(43),
        binding_hash: hashSecret(binding),
        expires_at: new Date(Date.now() + 60_000),
      })
      .execute();
    const before = connections;
    const response = await settings.request(
      "GET",
      `/v1/auth/sso/callback?${new URLSearchParams({ state, code: "code" })}`,
      { headers: { [SSO_BINDING_HEADER]: binding } },
    );
    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({
      code: "UNAUTHORIZED",
      message: `Single sign-on failed: ${UNREACHABLE}`,
    });
    expect(response.text).not.toMatch(/127\.0\.0\.1|loopback|non-public/);
    expect(connections).toBe(before);
  });
});

/**
 * The fetch openid-client makes every request with, against a real local HTTP server: `idp`
 * answers the discovery document of whatever `advertised` says, plus a few odd answers.
 */
describe("the identity provider fetch", () => {
  let server: HttpServer;
  let port: number;
  let requests: string[] = [];

  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      requests.push(req.url ?? "");
      if (req.url === "/redirect") {
        res.writeHead(302, { location: "http://169.254.169.254/" }).end();
      } else if (req.url === "/huge") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(Buffer.alloc(2 * 1024 * 1024, "a"));
      } else {
        res.writeHead(200, { "content-type": "application/json", "x-seen": "yes" });
        res.end(JSON.stringify({ method: req.method, host: req.headers.host }));
      }
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server?.close();
  });

  const init = { method: "GET", headers: {}, body: undefined, redirect: "manual" } as const;

  it("connects to the address it checked (the resolver's answer, not another lookup)", async () => {
    requests = [];
    const fetch = providerFetch({ allowHttp: true, allowPrivateNetworks: true, resolver });
    const response = await fetch(`http://loopback.customer.test:${port}/doc`, init);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-seen")).toBe("yes");
    expect(await response.json()).toEqual({
      method: "GET",
      host: `loopback.customer.test:${port}`,
    });
    expect(requests).toEqual(["/doc"]);
  });

  it("refuses a non-public address, http where only https is allowed, and credentials, sending nothing", async () => {
    requests = [];
    const production = providerFetch({ allowHttp: false, allowPrivateNetworks: false, resolver });
    const local = providerFetch({ allowHttp: true, allowPrivateNetworks: false, resolver });
    for (const [fetch, url, reason] of [
      [local, `http://127.0.0.1:${port}/doc`, /non-public address \(loopback\)/],
      [local, `http://loopback.customer.test:${port}/doc`, /non-public address \(loopback\)/],
      [production, `https://internal.customer.test/token`, /non-public address \(private\)/],
      [production, `http://public.customer.test/doc`, /not an https URL/],
      [production, `https://user:pw@public.customer.test/doc`, /credentials/],
    ] as const) {
      const refused = fetch(url, init);
      await expect(refused).rejects.toBeInstanceOf(ProviderUnreachableError);
      await expect(refused).rejects.toThrow(reason);
    }
    expect(requests).toEqual([]);
  });

  it("does not follow redirects and stops reading an oversized answer", async () => {
    const fetch = providerFetch({ allowHttp: true, allowPrivateNetworks: true, resolver });
    const redirect = await fetch(`http://127.0.0.1:${port}/redirect`, init);
    expect(redirect.status).toBe(302);
    await expect(fetch(`http://127.0.0.1:${port}/huge`, init)).rejects.toThrow(/larger than/);
  });

  /**
   * A discovery document served from a public issuer (answered here, as if the issuer were on
   * the internet) that advertises internal endpoints: every later request goes through the
   * guard, so the token request is refused.
   */
  function discoveryOf(advertised: Record<string, string>): CustomFetch {
    const guarded = providerFetch({ allowHttp: false, allowPrivateNetworks: false, resolver });
    return async (url, options) =>
      url === "https://public.customer.test/.well-known/openid-configuration"
        ? Response.json({
            issuer: "https://public.customer.test",
            authorization_endpoint: "https://public.customer.test/authorize",
            token_endpoint: "https://public.customer.test/token",
            response_types_supported: ["code"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256"],
            ...advertised,
          })
        : guarded(url, options);
  }

  const settingsFor = (fetch: CustomFetch) => ({
    issuer: "https://public.customer.test",
    clientId: "clment",
    clientSecret: "s3cret",
    allowHttp: false,
    fetch,
  });

  it.each([
    ["a private address", "https://10.0.3.7/token", /non-public address \(private\)/],
    ["the metadata address by name", "https://metadata.customer.test/token", /link-local/],
  ])("refuses a token endpoint advertised on %s", async (_, tokenEndpoint, reason) => {
    const client = await OidcClient.discover(
      settingsFor(discoveryOf({ token_endpoint: tokenEndpoint })),
    );
    const exchanged = client.exchange({
      redirectUri: "https://eu.clment.test/sso/callback",
      query: { code: "code", state: "state" },
      state: "state",
      nonce: "nonce",
      codeVerifier: "v".repeat(43),
    });
    await expect(exchanged).rejects.toBeInstanceOf(OidcUnavailableError);
    await expect(exchanged).rejects.toThrow(reason);
  });

  it.each([
    ["javascript:", "javascript:alert(document.cookie)"],
    ["data:", "data:text/html,<script>alert(1)</script>"],
    ["plain http", "http://public.customer.test/authorize"],
  ])(
    "refuses an authorization endpoint with %s (the browser is sent there)",
    async (_, endpoint) => {
      const discovered = OidcClient.discover(
        settingsFor(discoveryOf({ authorization_endpoint: endpoint })),
      );
      await expect(discovered).rejects.toBeInstanceOf(OidcUnavailableError);
      await expect(discovered).rejects.toThrow(/authorization endpoint is not an https URL/);
    },
  );
});
