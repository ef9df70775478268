import { sql, type Kysely } from "kysely";
import type { Logger } from "@clment/http";
import {
  hashSecret,
  IDENTITY_HEADER,
  IdentityTokens,
  INTERNAL_ROUTES,
  serviceIdentity,
  type CredentialKind,
  type Identity,
  type VerifiedCredential,
} from "@clment/auth";
import {
  loadServiceConfig,
  startService,
  type RunningService,
  type ServiceDefinition,
} from "@clment/runtime";
import {
  call,
  createTestDatabase,
  createTestRedisPrefix,
  testSecret,
  TEST_REDIS_URL,
  uniqueId,
  type TestDatabase,
  type TestResponse,
} from "@clment/testing";
import { settingsService } from "../src/service.js";
import type { DB } from "../src/data/db.js";

export const REGION = "eu";
export const PUBLIC_BASE_URL = "https://eu.clment.test/v1";
export const PASSWORD = "correct horse battery staple";

export interface RequestOptions {
  /** Who the gateway says is calling; no identity header when absent. */
  as?: Identity;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface SignedUp {
  organization: { id: string; name: string; region: string };
  user: { id: string; email: string };
  /** The session token the sign-up answered with. */
  token: string;
  /** The identity the gateway would attach for that session. */
  identity: Identity;
}

/**
 * The settings service started in-process against its own database and Redis prefix, called
 * over HTTP the way the gateway calls it: with a signed identity token.
 */
export class SettingsHarness {
  private constructor(
    readonly service: RunningService<DB>,
    readonly tokens: IdentityTokens,
    private readonly cleanup: () => Promise<void>,
  ) {}

  /**
   * `definition` replaces the default settings service (e.g. one made by createSettingsService
   * with test settings); `redisUrl` points it at another Redis (e.g. a private redis-server);
   * `env` adds to or overrides the service's environment (the harness signs identity tokens with
   * its `IDENTITY_SECRET`); `database` runs it on an existing database, which closing leaves in
   * place (another deployment of the same region); `logger` receives its log lines.
   */
  static async start(
    options: {
      definition?: ServiceDefinition<DB>;
      redisUrl?: string;
      env?: Record<string, string>;
      database?: TestDatabase;
      logger?: Logger;
    } = {},
  ): Promise<SettingsHarness> {
    const existing = options.database;
    const database = existing
      ? { url: existing.url, drop: async () => undefined }
      : await createTestDatabase("settings");
    const redis = createTestRedisPrefix("settings");
    const secret = options.env?.IDENTITY_SECRET ?? testSecret("settings");
    try {
      const service = await startService(
        options.definition ?? settingsService,
        loadServiceConfig({
          REGION,
          IDENTITY_SECRET: secret,
          DATABASE_URL: database.url,
          REDIS_URL: options.redisUrl ?? TEST_REDIS_URL,
          REDIS_PREFIX: redis.prefix,
          PUBLIC_BASE_URL,
          LOG_LEVEL: process.env.CLMENT_TEST_LOG_LEVEL ?? "silent",
          ...options.env,
        }),
        options.logger ? { logger: options.logger } : {},
      );
      return new SettingsHarness(service, new IdentityTokens(secret, REGION), async () => {
        await service.close();
        await redis.cleanup();
        await database.drop();
      });
    } catch (error) {
      await redis.cleanup();
      await database.drop();
      throw error;
    }
  }

  close(): Promise<void> {
    return this.cleanup();
  }

  get db(): Kysely<DB> {
    return this.service.context.db;
  }

  get redisPrefix(): string {
    return this.service.context.config.redisPrefix;
  }

  async request<T = any>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<TestResponse<T>> {
    const headers = { ...options.headers };
    if (options.as) headers[IDENTITY_HEADER] = await this.tokens.sign(options.as);
    const { body, rawBody } = options;
    return call<T>(this.service.url, method, path, { body, rawBody, headers });
  }

  /** What the gateway gets when it asks settings about a credential. */
  verify(
    kind: CredentialKind,
    secret: string,
  ): Promise<TestResponse<{ data: VerifiedCredential }>> {
    return this.request("POST", INTERNAL_ROUTES.verifyCredential, {
      as: serviceIdentity("gateway", REGION),
      body: { kind, hash: hashSecret(secret) },
    });
  }

  /** The identity the gateway would attach for a session token or API key, as settings vouches. */
  async identityOf(kind: CredentialKind, secret: string): Promise<Identity> {
    const verified = await this.verify(kind, secret);
    if (verified.status !== 200) throw new Error(`${kind} does not verify: ${verified.text}`);
    const { organizationId, principal, role } = verified.body.data;
    return { organizationId, principal, role, region: REGION };
  }

  async signup(overrides: { email?: string; organizationName?: string } = {}): Promise<SignedUp> {
    const response = await this.request("POST", "/v1/auth/signup", {
      body: {
        organizationName: overrides.organizationName ?? `Org ${uniqueId()}`,
        name: "Olive Owner",
        email: overrides.email ?? `owner-${uniqueId()}@example.com`,
        password: PASSWORD,
      },
    });
    if (response.status !== 201) throw new Error(`signup failed: ${response.text}`);
    const { organization, user, session } = response.body.data;
    return {
      organization,
      user,
      token: session.token,
      identity: await this.identityOf("session", session.token),
    };
  }

  /** Invites a member, who accepts and so gets a session. */
  async addMember(
    owner: Identity,
    role: "owner" | "admin" | "member",
  ): Promise<{ id: string; email: string; token: string; identity: Identity }> {
    const email = `member-${uniqueId()}@example.com`;
    const invited = await this.request("POST", "/v1/settings/members", {
      as: owner,
      body: { email, name: "Mo Member", role },
    });
    if (invited.status !== 201) throw new Error(`invite failed: ${invited.text}`);
    const accepted = await this.request("POST", "/v1/auth/accept-invite", {
      body: { token: invited.body.data.inviteToken, name: "Mo Member", password: PASSWORD },
    });
    if (accepted.status !== 200) throw new Error(`accept-invite failed: ${accepted.text}`);
    const token = accepted.body.data.session.token as string;
    return {
      id: accepted.body.data.user.id,
      email,
      token,
      identity: await this.identityOf("session", token),
    };
  }

  async createApiKey(
    owner: Identity,
    body: { label?: string; expiresInDays?: number } = {},
  ): Promise<{ id: string; secret: string; identity: Identity }> {
    const response = await this.request("POST", "/v1/settings/api-keys", {
      as: owner,
      body: { label: `key ${uniqueId()}`, ...body },
    });
    if (response.status !== 201) throw new Error(`key creation failed: ${response.text}`);
    const { apiKey, secret } = response.body.data;
    return { id: apiKey.id, secret, identity: await this.identityOf("api_key", secret) };
  }

  /** Events written to the outbox for an organization, oldest first. */
  async outbox(organizationId: string): Promise<{ type: string; payload: any }[]> {
    const { rows } = await sql<{ type: string; payload: any }>`
      select type, payload from outbox where organization_id = ${organizationId}
      order by created_at, id
    `.execute(this.db);
    return rows;
  }
}
