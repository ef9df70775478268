import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { Express } from "express";
import { ROUTES } from "@clment/gateway";
import { Clment } from "@clment/sdk";
import { startOidcProvider, waitFor, type TestOidcProvider } from "@clment/testing";
import { agreementPdf } from "../../services/review/test/support/agreement.documents.js";
import { overrideEnv } from "../src/env.js";
import { newApiKey, newOrganization, PASSWORD, startTestRegion } from "../src/factories.js";
import { OPENAPI_FILE, openApiText } from "../src/openapi.js";
import type { RunningRegion } from "../src/region.js";

type Json = Record<string, any>;
interface Exchange {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** Every documented operation, with a matcher for concrete paths. */
function documentedOperations(doc: Json) {
  const ops: { method: string; path: string; pattern: RegExp; params: number; op: Json }[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const method of METHODS) {
      if (!item[method]) continue;
      const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`);
      ops.push({
        method,
        path,
        pattern,
        params: (path.match(/\{/g) ?? []).length,
        op: item[method],
      });
    }
  }
  // Literal segments win over parameters (/v1/playbooks/clause-types before /v1/playbooks/{id}).
  return ops.sort((a, b) => a.params - b.params);
}

/** Every `/v1` route an express app answers, as `METHOD /v1/path/{param}`. */
function expressRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths: string[] = [layer.route.path].flat();
        for (const path of paths) {
          for (const method of Object.keys(layer.route.methods)) {
            if (path.startsWith("/v1")) {
              found.push(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, "{$1}")}`);
            }
          }
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as any).router.stack);
  return found;
}

describe("the OpenAPI document", () => {
  let region: RunningRegion;
  let doc: Json;
  const exchanges: Exchange[] = [];

  /** A fetch that records every answer, to validate it against the document afterwards. */
  const recording = async (request: Request): Promise<Response> => {
    const response = await fetch(request);
    const type = response.headers.get("content-type") ?? "";
    const body = type.includes("application/json") ? await response.clone().json() : undefined;
    exchanges.push({
      method: request.method.toLowerCase(),
      path: new URL(request.url).pathname,
      status: response.status,
      body,
    });
    return response;
  };

  let receiver: Server;
  let receiverUrl: string;
  // Single sign-on goes to a real OIDC provider on this machine.
  let oidcProvider: TestOidcProvider;
  let restoreEnv: (() => void) | undefined;

  beforeAll(async () => {
    doc = JSON.parse(await readFile(OPENAPI_FILE, "utf8"));
    // Webhooks go to a receiver on this machine.
    restoreEnv = overrideEnv({
      WEBHOOKS_ALLOW_HTTP: "true",
      WEBHOOKS_ALLOW_PRIVATE_NETWORKS: "true",
    });
    receiver = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    region = await startTestRegion("e2e_openapi");
    oidcProvider = await startOidcProvider(`${region.url}/sso/callback`);
  });

  afterAll(async () => {
    await oidcProvider?.close();
    await region?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    restoreEnv?.();
  });

  it("is up to date with the services' route schemas (run `pnpm openapi` after a change)", async () => {
    expect(await readFile(OPENAPI_FILE, "utf8")).toBe(openApiText());
  });

  it("is served at /v1/openapi.json without credentials", async () => {
    const response = await fetch(`${region.url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual(doc);
  });

  it("documents every /v1 route of every service, and every gateway route leads somewhere documented", () => {
    const documented = new Set(
      documentedOperations(doc).map((o) => `${o.method.toUpperCase()} ${o.path}`),
    );
    const actual = Object.values(region.services).flatMap((service) => expressRoutes(service.app));
    expect(actual.length).toBeGreaterThan(50);
    expect(actual.filter((route) => !documented.has(route))).toEqual([]);
    const paths = Object.keys(doc.paths);
    for (const route of ROUTES) {
      const prefix = new RegExp(`^${route.prefix.replace(/\*/g, "[^/]+")}(/|$)`);
      const covered = paths.some((p) => prefix.test(p.replace(/\{[^}]+\}/g, "x")));
      expect({ prefix: route.prefix, covered }).toEqual({ prefix: route.prefix, covered: true });
    }
  });

  it("lets answers grow (additive fields validate) and keeps request bodies as strict as the API", async () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const schemaOf = (part: Json) => ajv.compile({ ...part, components: doc.components });
    const search = doc.paths["/v1/search"].get.responses["200"].content["application/json"];
    const estimated = { results: [], total: 4_000, totalIsExact: false };
    expect(schemaOf(search.schema)({ data: estimated })).toBe(true);
    expect(schemaOf(search.schema)({ data: { ...estimated, addedLater: 1 }, meta: {} })).toBe(true);
    expect(JSON.stringify(doc.components.schemas.Contract)).not.toContain(
      '"additionalProperties":false',
    );

    const create = doc.paths["/v1/contracts"].post.requestBody.content["application/json"];
    const body = { title: "MSA", addedByMistake: true };
    expect(schemaOf(create.schema)(body)).toBe(false);
    const org = await newOrganization(region.url);
    const answer = await fetch(`${region.url}/v1/contracts`, {
      method: "POST",
      headers: { authorization: `Bearer ${org.owner.token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: { code: "VALIDATION_ERROR" } });
  });

  it("describes the real answer of every documented operation", async () => {
    const anonymous = new Clment({ baseUrl: region.url, fetch: recording, maxRetries: 0 });
    const org = await newOrganization(region.url);
    await anonymous.POST("/v1/auth/login", {
      body: { email: org.owner.email, password: PASSWORD },
    });
    const admin = new Clment({
      baseUrl: region.url,
      apiKey: org.owner.token,
      fetch: recording,
      maxRetries: 0,
    });
    const key = await newApiKey(region.url, org.owner.token);
    const clm = new Clment({
      baseUrl: region.url,
      apiKey: key.secret,
      fetch: recording,
      maxRetries: 0,
    });
    const expectError = async (call: Promise<unknown>) => {
      await expect(call).rejects.toMatchObject({ name: "ClmentError" });
    };

    // The gateway's own operational endpoints.
    await anonymous.GET("/healthz");
    await anonymous.GET("/readyz");

    // Settings, as the owner.
    await anonymous.POST("/v1/auth/signup", {
      body: {
        organizationName: "Other",
        name: "O",
        email: `o-${Date.now()}@example.com`,
        password: PASSWORD,
      },
    });
    await admin.GET("/v1/me");
    await clm.GET("/v1/me");
    await admin.GET("/v1/settings/api-keys");
    const extra = await admin.data(
      admin.POST("/v1/settings/api-keys", { body: { label: "extra" } }),
    );
    await admin.POST("/v1/settings/api-keys/{id}/revoke", {
      params: { path: { id: extra.apiKey.id } },
    });
    const invited = await admin.data(
      admin.POST("/v1/settings/members", {
        body: { email: `m-${Date.now()}@example.com`, name: "Mo", role: "member" },
      }),
    );
    await anonymous.POST("/v1/auth/accept-invite", {
      body: { token: invited.inviteToken, name: "Mo", password: PASSWORD },
    });
    await admin.GET("/v1/settings/members");
    const memberPath = { params: { path: { id: invited.member.id } } };
    await admin.PATCH("/v1/settings/members/{id}", { ...memberPath, body: { role: "admin" } });
    await admin.DELETE("/v1/settings/members/{id}", memberPath);
    await admin.GET("/v1/settings/organization");
    await admin.PATCH("/v1/settings/organization", { body: { timezone: "Europe/Paris" } });
    await admin.GET("/v1/settings/audit-log");
    await admin.GET("/v1/settings/webhooks");
    const hook = await admin.data(
      admin.POST("/v1/settings/webhooks", {
        body: { url: `${receiverUrl}/clment`, events: ["contract.created"] },
      }),
    );
    const hookPath = { params: { path: { id: hook.webhook.id } } };
    await admin.GET("/v1/settings/webhooks/{id}", hookPath);
    await admin.PATCH("/v1/settings/webhooks/{id}", { ...hookPath, body: { description: "ours" } });
    await admin.POST("/v1/settings/webhooks/{id}/rotate-secret", hookPath);
    const test = await admin.data(admin.POST("/v1/settings/webhooks/{id}/test", hookPath));
    await admin.GET("/v1/settings/webhooks/{id}/deliveries", hookPath);
    const deliveryPath = {
      params: { path: { id: hook.webhook.id, deliveryId: test.delivery.id } },
    };
    await admin.GET("/v1/settings/webhooks/{id}/deliveries/{deliveryId}", deliveryPath);
    await admin
      .POST("/v1/settings/webhooks/{id}/deliveries/{deliveryId}/redeliver", deliveryPath)
      .catch(() => undefined);
    await admin.DELETE("/v1/settings/webhooks/{id}", hookPath);
    await admin.GET("/v1/settings/integrations");
    const s3Path = { params: { path: { provider: "s3" } } };
    await admin.PUT("/v1/settings/integrations/{provider}", {
      ...s3Path,
      body: {
        bucket: "acme-contracts",
        region: "eu-west-1",
        accessKeyId: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "not-a-real-secret",
      },
    });
    await admin.GET("/v1/settings/integrations");
    await admin.DELETE("/v1/settings/integrations/{provider}", s3Path);
    await admin.GET("/v1/settings/sso");
    await admin.PUT("/v1/settings/sso", {
      body: {
        issuer: oidcProvider.issuer,
        clientId: oidcProvider.clientId,
        clientSecret: oidcProvider.clientSecret,
        enforced: false,
        allowedDomains: ["acme.test"],
      },
    });
    await admin.GET("/v1/settings/sso");
    const ssoEmail = `sso-${Date.now()}@acme.test`;
    oidcProvider.addAccount("sso-person", { email: ssoEmail, emailVerified: true });
    const started = anonymous.GET("/v1/auth/sso/start", { params: { query: { email: ssoEmail } } });
    const ssoStart = await anonymous.data(started);
    // The browser's binding cookie goes back with the callback, as a browser would send it.
    const binding = (await started).response.headers.getSetCookie()[0]!.split(";")[0]!;
    const ssoQuery = await oidcProvider.authorize(ssoStart.authorizationUrl, "sso-person");
    const ssoSession = await anonymous.data(
      anonymous.GET("/v1/auth/sso/callback", {
        params: { query: ssoQuery as { state: string } },
        headers: { cookie: binding },
      }),
    );
    expect(ssoSession.user).toMatchObject({ email: ssoEmail, role: "member" });
    await admin.DELETE("/v1/settings/sso");
    const billing = await admin.data(admin.GET("/v1/settings/billing"));
    await admin.PUT("/v1/settings/billing/plan", { body: { plan: billing.billing.plan as never } });
    await admin.POST("/v1/settings/billing/credit-packs", { body: { size: 500 } });
    await admin.GET("/v1/settings/billing/ledger");
    await expectError(clm.GET("/v1/settings/members"));

    // Workspace content, with an API key.
    await clm.GET("/v1/credits");
    const plain = await clm.data(
      clm.POST("/v1/contracts", {
        body: {
          title: "MSA",
          counterparty: "Acme",
          tags: ["a"],
          value: { amount: 10, currency: "EUR" },
        },
      }),
    );
    const plainPath = { params: { path: { id: plain.contract.id } } };
    await clm.GET("/v1/contracts");
    await clm.GET("/v1/contracts/{id}", plainPath);
    await clm.PATCH("/v1/contracts/{id}", { ...plainPath, body: { status: "active" } });
    await clm.uploadDocument(plain.contract.id, {
      file: Buffer.from("This agreement ends on 2031-01-01."),
      filename: "msa.txt",
    });
    await clm.GET("/v1/contracts/{id}/versions", plainPath);
    await clm.GET("/v1/contracts/{id}/document", { ...plainPath, parseAs: "arrayBuffer" });
    await waitFor(
      async () =>
        (await clm.data(clm.GET("/v1/contracts/{id}", plainPath))).contract.document?.extraction ===
        "completed",
      { timeoutMs: 20_000, message: "extraction" },
    );
    await clm.GET("/v1/contracts/{id}/text", plainPath);
    const keyDate = await clm.data(
      clm.POST("/v1/contracts/{id}/key-dates", {
        ...plainPath,
        body: { kind: "renewal", date: "2031-01-01", title: "Renewal" },
      }),
    );
    const keyDatePath = { params: { path: { id: keyDate.keyDate.id } } };
    await clm.GET("/v1/key-dates");
    await clm.GET("/v1/key-dates/{id}", keyDatePath);
    await clm.PATCH("/v1/key-dates/{id}", { ...keyDatePath, body: { title: "Renewal date" } });
    const reminder = await clm.data(
      clm.POST("/v1/key-dates/{id}/reminders", {
        ...keyDatePath,
        body: { daysBefore: 30, channels: ["webhook"] },
      }),
    );
    const reminderPath = { params: { path: { id: reminder.reminder.id } } };
    await clm.GET("/v1/reminders");
    await clm.GET("/v1/reminders/{id}", reminderPath);
    await clm.DELETE("/v1/reminders/{id}", reminderPath);
    await clm.DELETE("/v1/key-dates/{id}", keyDatePath);
    await clm.GET("/v1/search", { params: { query: { q: "MSA" } } });

    await clm.GET("/v1/playbooks/clause-types");
    const playbooks = await waitFor(
      async () => {
        const list = await clm.data(clm.GET("/v1/playbooks"));
        return list.playbooks.length > 0 ? list : null;
      },
      { timeoutMs: 20_000, message: "the built-in playbook" },
    );
    const builtIn = playbooks.playbooks[0]!;
    const copy = await clm.data(
      clm.POST("/v1/playbooks", { body: { name: "Ours", copyFrom: builtIn.id } }),
    );
    const copyPath = { params: { path: { id: copy.playbook.id } } };
    await clm.GET("/v1/playbooks/{id}", copyPath);
    await clm.PATCH("/v1/playbooks/{id}", { ...copyPath, body: { description: "ours" } });
    await clm.DELETE("/v1/playbooks/{id}", copyPath);

    const agreement = await clm.uploadContract(
      { file: await agreementPdf(), filename: "Services Agreement.pdf" },
      { counterparty: "Globex" },
    );
    const agreementPath = { params: { path: { id: agreement.id } } };
    await waitFor(
      async () =>
        (await clm.data(clm.GET("/v1/contracts/{id}", agreementPath))).contract.document
          ?.extraction === "completed",
      { timeoutMs: 20_000, message: "extraction" },
    );
    const review = await clm.data(
      clm.POST("/v1/contracts/{id}/reviews", {
        ...agreementPath,
        body: { playbookId: builtIn.id },
      }),
    );
    const reviewPath = { params: { path: { id: review.review.id } } };
    await clm.GET("/v1/reviews");
    await waitFor(
      async () =>
        (await clm.data(clm.GET("/v1/reviews/{id}", reviewPath))).review.status === "completed",
      { timeoutMs: 30_000, message: "the review" },
    );
    await clm.GET("/v1/reviews/{id}/findings", reviewPath);
    const redline = await clm.data(
      clm.POST("/v1/reviews/{id}/redlines", { ...reviewPath, body: {} }),
    );
    const redlinePath = { params: { path: { id: redline.redline.id } } };
    await waitFor(
      async () =>
        (await clm.data(clm.GET("/v1/redlines/{id}", redlinePath))).redline.status === "completed",
      { timeoutMs: 30_000, message: "the redline" },
    );
    await clm.GET("/v1/redlines/{id}/document", { ...redlinePath, parseAs: "arrayBuffer" });
    const conversion = await clm.data(
      clm.POST("/v1/contracts/{id}/conversions", { ...agreementPath, body: { format: "txt" } }),
    );
    const conversionPath = { params: { path: { id: conversion.conversion.id } } };
    await waitFor(
      async () =>
        (await clm.data(clm.GET("/v1/conversions/{id}", conversionPath))).conversion.status ===
        "completed",
      { timeoutMs: 30_000, message: "the conversion" },
    );
    await clm.GET("/v1/conversions/{id}/document", { ...conversionPath, parseAs: "arrayBuffer" });
    await clm.DELETE("/v1/contracts/{id}", plainPath);
    await expectError(clm.GET("/v1/contracts/{id}", plainPath));
    await expectError(clm.GET("/v1/contracts", { params: { query: { take: 101 } } }));
    await admin.POST("/v1/auth/logout");

    // Every answer validates against what the document says of its operation and status.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const ops = documentedOperations(doc);
    const exercised = new Set<string>();
    const problems: unknown[] = [];
    for (const exchange of exchanges) {
      const match = ops.find((o) => o.method === exchange.method && o.pattern.test(exchange.path));
      if (!match) {
        problems.push({ undocumented: `${exchange.method} ${exchange.path}` });
        continue;
      }
      const response = match.op.responses[String(exchange.status)];
      if (!response) {
        problems.push({
          op: match.op.operationId,
          undocumentedStatus: exchange.status,
          body: exchange.body,
        });
        continue;
      }
      if (exchange.status < 300) exercised.add(`${match.method} ${match.path}`);
      const schema = response.content?.["application/json"]?.schema;
      if (!schema) continue;
      const validate = ajv.compile({ ...schema, components: doc.components });
      if (!validate(exchange.body)) {
        problems.push({
          op: match.op.operationId,
          status: exchange.status,
          errors: validate.errors,
        });
      }
    }
    expect(problems).toEqual([]);
    const missing = ops.map((o) => `${o.method} ${o.path}`).filter((op) => !exercised.has(op));
    expect(missing).toEqual([]);
  }, 180_000);
});
