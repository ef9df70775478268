import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { sql } from "kysely";
import { SettingsHarness } from "./harness.js";

const S3_SECRET = "s3-secret-wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const s3Config = {
  bucket: "acme-contracts",
  region: "eu-west-1",
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: S3_SECRET,
  prefix: "clment/",
};
const DRIVE_SECRET = "drive-client-secret-GOCSPX-abcdef";
const DRIVE_REFRESH = "drive-refresh-token-1//0gabcdef";
const driveConfig = {
  clientId: "1234.apps.googleusercontent.com",
  clientSecret: DRIVE_SECRET,
  refreshToken: DRIVE_REFRESH,
  folderId: "1AbC_dEf-123",
};
const SHAREPOINT_SECRET = "sharepoint-secret-Q~abcdef";
const sharepointConfig = {
  tenantId: "8f0c3f0e-1b2a-4c5d-9e8f-0a1b2c3d4e5f",
  clientId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  clientSecret: SHAREPOINT_SECRET,
  siteUrl: "https://acme.sharepoint.com/sites/legal",
};

describe("cloud integrations", () => {
  let settings: SettingsHarness;
  beforeAll(async () => {
    settings = await SettingsHarness.start();
  });
  afterAll(async () => {
    await settings?.close();
  });

  async function storedSecrets(organizationId: string, provider: string) {
    const { rows } = await sql<{ secrets: Record<string, string> }>`
      select secrets from integrations
      where organization_id = ${organizationId} and provider = ${provider}
    `.execute(settings.db);
    return rows[0]?.secrets;
  }

  it("lists every provider as not configured at first", async () => {
    const owner = await settings.signup();
    const list = await settings.request("GET", "/v1/settings/integrations", { as: owner.identity });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual({
      integrations: [
        { provider: "s3", configured: false, config: null, updatedAt: null },
        { provider: "google_drive", configured: false, config: null, updatedAt: null },
        { provider: "sharepoint", configured: false, config: null, updatedAt: null },
      ],
      total: 3,
    });
  });

  it("saves each provider's configuration, never answers its secrets and stores them encrypted", async () => {
    const owner = await settings.signup();
    for (const [provider, config, secrets] of [
      ["s3", s3Config, [S3_SECRET]],
      ["google_drive", driveConfig, [DRIVE_SECRET, DRIVE_REFRESH]],
      ["sharepoint", sharepointConfig, [SHAREPOINT_SECRET]],
    ] as const) {
      const saved = await settings.request("PUT", `/v1/settings/integrations/${provider}`, {
        as: owner.identity,
        body: config,
      });
      expect({ provider, status: saved.status }).toEqual({ provider, status: 200 });
      for (const secret of secrets) expect(saved.text).not.toContain(secret);
      expect(saved.body.data.integration).toMatchObject({ provider, configured: true });
      const stored = await storedSecrets(owner.organization.id, provider);
      for (const [field, ciphertext] of Object.entries(stored ?? {})) {
        expect(ciphertext).toMatch(/^v2:[\w-]+:[^:]+:[^:]+:[^:]+$/);
        expect(ciphertext).not.toContain((config as Record<string, string>)[field]);
      }
      expect(Object.keys(stored ?? {}).length).toBe(secrets.length);
    }
    const { rows } = await sql<{ row: string }>`
      select row_to_json(i)::text as row from integrations i
      where organization_id = ${owner.organization.id}
    `.execute(settings.db);
    const raw = rows.map((r) => r.row).join("\n");
    for (const secret of [S3_SECRET, DRIVE_SECRET, DRIVE_REFRESH, SHAREPOINT_SECRET]) {
      expect(raw).not.toContain(secret);
    }

    const list = await settings.request("GET", "/v1/settings/integrations", { as: owner.identity });
    for (const secret of [S3_SECRET, DRIVE_SECRET, DRIVE_REFRESH, SHAREPOINT_SECRET]) {
      expect(list.text).not.toContain(secret);
    }
    const byProvider = Object.fromEntries(
      list.body.data.integrations.map((i: { provider: string }) => [i.provider, i]),
    );
    expect(byProvider.s3).toEqual({
      provider: "s3",
      configured: true,
      config: {
        bucket: "acme-contracts",
        region: "eu-west-1",
        accessKeyId: "AKIAIOSFODNN7EXAMPLE",
        prefix: "clment/",
        secretAccessKey: { set: true },
      },
      updatedAt: expect.any(String),
    });
    expect(byProvider.google_drive.config).toEqual({
      clientId: driveConfig.clientId,
      folderId: driveConfig.folderId,
      clientSecret: { set: true },
      refreshToken: { set: true },
    });
    expect(byProvider.sharepoint.config).toEqual({
      tenantId: sharepointConfig.tenantId,
      clientId: sharepointConfig.clientId,
      siteUrl: sharepointConfig.siteUrl,
      clientSecret: { set: true },
    });
  });

  it("keeps the stored secret when a save leaves it out, and replaces it when given", async () => {
    const owner = await settings.signup();
    const as = owner.identity;
    await settings.request("PUT", "/v1/settings/integrations/s3", { as, body: s3Config });
    const first = await storedSecrets(owner.organization.id, "s3");
    const { secretAccessKey: _omitted, ...withoutSecret } = s3Config;
    const renamed = await settings.request("PUT", "/v1/settings/integrations/s3", {
      as,
      body: { ...withoutSecret, bucket: "acme-archive" },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data.integration.config).toMatchObject({
      bucket: "acme-archive",
      secretAccessKey: { set: true },
    });
    expect(await storedSecrets(owner.organization.id, "s3")).toEqual(first);

    const rotated = await settings.request("PUT", "/v1/settings/integrations/s3", {
      as,
      body: { ...withoutSecret, secretAccessKey: "a-new-secret" },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.text).not.toContain("a-new-secret");
    expect(await storedSecrets(owner.organization.id, "s3")).not.toEqual(first);

    const audit = await settings.request("GET", "/v1/settings/audit-log", { as });
    const entries = audit.body.data.entries.filter(
      (e: { action: string }) => e.action === "integration.updated",
    );
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatchObject({
      actor: { type: "user", id: owner.user.id },
      target: { type: "integration", id: "s3" },
      requestId: expect.any(String),
      metadata: { provider: "s3", changedSecrets: ["secretAccessKey"] },
    });
    expect(entries[1].metadata).toMatchObject({ changedFields: ["bucket"], changedSecrets: [] });
    expect(audit.text).not.toContain(S3_SECRET);
    expect(audit.text).not.toContain("a-new-secret");
  });

  it("validates each provider's configuration with details, and requires secrets the first time", async () => {
    const owner = await settings.signup();
    const { secretAccessKey: _s, ...s3WithoutSecret } = s3Config;
    const { refreshToken: _r, ...driveWithoutToken } = driveConfig;
    for (const [provider, body, path] of [
      ["s3", { ...s3Config, bucket: "Not A Bucket" }, "body.bucket"],
      ["s3", { ...s3Config, region: "europe" }, "body.region"],
      ["s3", { ...s3Config, endpoint: "http://minio.local:9000" }, "body.endpoint"],
      ["s3", { ...s3Config, unknown: 1 }, "body"],
      ["s3", s3WithoutSecret, "body.secretAccessKey"],
      ["s3", { ...s3Config, accessKeyId: undefined }, "body.accessKeyId"],
      ["google_drive", driveWithoutToken, "body.refreshToken"],
      ["google_drive", { ...driveConfig, clientId: "" }, "body.clientId"],
      ["sharepoint", { ...sharepointConfig, tenantId: "acme" }, "body.tenantId"],
      [
        "sharepoint",
        { ...sharepointConfig, siteUrl: "http://acme.sharepoint.com" },
        "body.siteUrl",
      ],
      ["sharepoint", s3Config, "body"],
    ] as const) {
      const response = await settings.request("PUT", `/v1/settings/integrations/${provider}`, {
        as: owner.identity,
        body,
      });
      expect({ provider, body, status: response.status }).toEqual({ provider, body, status: 400 });
      expect(response.body.error.code).toBe("VALIDATION_ERROR");
      const paths = response.body.error.details.map((d: { path: string }) => d.path);
      expect({ body, paths }).toEqual({ body, paths: expect.arrayContaining([path]) });
    }
    const list = await settings.request("GET", "/v1/settings/integrations", { as: owner.identity });
    expect(list.body.data.integrations.every((i: { configured: boolean }) => !i.configured)).toBe(
      true,
    );
  });

  it("answers 404 for an unknown provider and for deleting one not configured", async () => {
    const owner = await settings.signup();
    for (const [method, path] of [
      ["PUT", "/v1/settings/integrations/dropbox"],
      ["DELETE", "/v1/settings/integrations/dropbox"],
      ["DELETE", "/v1/settings/integrations/s3"],
    ] as const) {
      const response = await settings.request(method, path, { as: owner.identity, body: s3Config });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    }
  });

  it("deletes a configuration and its secrets, and audits it", async () => {
    const owner = await settings.signup();
    const as = owner.identity;
    await settings.request("PUT", "/v1/settings/integrations/sharepoint", {
      as,
      body: sharepointConfig,
    });
    const deleted = await settings.request("DELETE", "/v1/settings/integrations/sharepoint", {
      as,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toEqual({ provider: "sharepoint", deleted: true });
    expect(await storedSecrets(owner.organization.id, "sharepoint")).toBeUndefined();
    const list = await settings.request("GET", "/v1/settings/integrations", { as });
    expect(list.body.data.integrations[2]).toMatchObject({
      provider: "sharepoint",
      configured: false,
    });
    const audit = await settings.request("GET", "/v1/settings/audit-log", { as });
    expect(audit.body.data.entries[0]).toMatchObject({
      action: "integration.deleted",
      target: { type: "integration", id: "sharepoint" },
      requestId: expect.any(String),
    });
  });

  it("keeps each organization's integrations to itself", async () => {
    const first = await settings.signup();
    const second = await settings.signup();
    await settings.request("PUT", "/v1/settings/integrations/s3", {
      as: first.identity,
      body: s3Config,
    });
    const other = await settings.request("GET", "/v1/settings/integrations", {
      as: second.identity,
    });
    expect(other.body.data.integrations[0]).toMatchObject({ provider: "s3", configured: false });
    const deleted = await settings.request("DELETE", "/v1/settings/integrations/s3", {
      as: second.identity,
    });
    expect(deleted.status).toBe(404);
    const still = await settings.request("GET", "/v1/settings/integrations", {
      as: first.identity,
    });
    expect(still.body.data.integrations[0]).toMatchObject({ provider: "s3", configured: true });
  });

  it("refuses integrations to members (FORBIDDEN) and API keys (API_KEY_FORBIDDEN), and lets admins in", async () => {
    const owner = await settings.signup();
    const member = await settings.addMember(owner.identity, "member");
    const admin = await settings.addMember(owner.identity, "admin");
    const key = await settings.createApiKey(owner.identity);
    for (const [method, path] of [
      ["GET", "/v1/settings/integrations"],
      ["PUT", "/v1/settings/integrations/s3"],
      ["DELETE", "/v1/settings/integrations/s3"],
    ] as const) {
      const body = method === "GET" ? undefined : s3Config;
      const asMember = await settings.request(method, path, { as: member.identity, body });
      expect(asMember.status).toBe(403);
      expect(asMember.body.error.code).toBe("FORBIDDEN");
      const asKey = await settings.request(method, path, { as: key.identity, body });
      expect(asKey.status).toBe(403);
      expect(asKey.body.error.code).toBe("API_KEY_FORBIDDEN");
    }
    const byAdmin = await settings.request("PUT", "/v1/settings/integrations/s3", {
      as: admin.identity,
      body: s3Config,
    });
    expect(byAdmin.status).toBe(200);
  });
});
