import { ROLES } from "@clment/auth";
import {
  deletedEnvelope,
  envelope,
  idSchema,
  listEnvelope,
  named,
  operations,
  timestamp,
  type HeaderDoc,
  type OperationDoc,
} from "@clment/openapi";
import { z } from "zod";
import { integrationConfigSchemas, SECRET_FIELDS } from "./domain/integration.model.js";
import { WEBHOOK_EVENT_TYPES } from "./domain/webhook.model.js";
import { createBody as apiKeyCreateBody } from "./routes/api-key.routes.js";
import { acceptInviteBody, loginBody, signupBody } from "./routes/auth.routes.js";
import { changeRoleBody, inviteBody } from "./routes/member.routes.js";
import { updateBody as organizationUpdateBody } from "./routes/organization.routes.js";
import { listQuery } from "./routes/request.js";
import { ssoCallbackQuery, ssoStartQuery } from "./routes/sso-login.routes.js";
import { ssoBody } from "./routes/sso.routes.js";
import {
  createBody as webhookCreateBody,
  deliveriesQuery,
  updateBody as webhookUpdateBody,
} from "./routes/webhook.routes.js";

/** The public shapes of the settings service (what its use cases return). */
const role = z.enum(ROLES);

const organization = named(
  "Organization",
  z.object({
    id: idSchema,
    name: z.string(),
    region: z.enum(["us", "eu", "au"]),
    timezone: z.string(),
    baseUrl: z
      .string()
      .describe("The base URL of the organization's region, e.g. https://eu.clment.com/v1"),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
);

const member = named(
  "Member",
  z.object({
    id: idSchema,
    email: z.string(),
    name: z.string(),
    role,
    status: z.enum(["invited", "active"]),
    createdAt: timestamp,
    joinedAt: timestamp.nullable(),
  }),
);

const session = named(
  "Session",
  z.object({ token: z.string().describe("The bearer token of the session"), expiresAt: timestamp }),
);

/** How a browser client (the admin console) asks for its session as cookies. */
const sessionModeHeader: HeaderDoc = {
  name: "X-Clment-Session",
  description:
    "`cookie` (the admin console): the session is also set as cookies (see the `sessionCookie` security scheme). Without it, no cookie is ever set.",
  values: ["cookie"],
};

const sessionCookiesSet: HeaderDoc = {
  name: "Set-Cookie",
  description:
    "With `X-Clment-Session: cookie` only: the session cookie (HttpOnly) and the CSRF cookie (readable by the page, to echo in `X-CSRF-Token`); SameSite=Strict, Path=/, Secure on https regions, Max-Age the session's remaining life.",
};

const sessionCookiesCleared: HeaderDoc = {
  name: "Set-Cookie",
  description: "With `X-Clment-Session: cookie` only: both session cookies cleared (Max-Age=0).",
};

const ssoBindingSet: HeaderDoc = {
  name: "Set-Cookie",
  description:
    "The single sign-on binding cookie (`__Host-clment_sso`; `clment_sso_<port>` on a local http region): a random value, HttpOnly, SameSite=Strict, Path=/, Secure on https regions, Max-Age 600. Only the browser that started the sign-in can complete it: the callback needs this cookie back.",
};

const ssoCallbackCookies: HeaderDoc = {
  name: "Set-Cookie",
  description:
    "The single sign-on binding cookie cleared (Max-Age=0), whatever the outcome; with `X-Clment-Session: cookie`, also the session cookie (HttpOnly) and the CSRF cookie (readable by the page, to echo in `X-CSRF-Token`): SameSite=Strict, Path=/, Secure on https regions, Max-Age the session's remaining life.",
};

const principal = named(
  "Principal",
  z.discriminatedUnion("type", [
    z.object({ type: z.literal("api_key"), id: idSchema, label: z.string() }),
    z.object({ type: z.literal("user"), id: idSchema, email: z.string(), role }),
  ]),
);

const apiKey = named(
  "ApiKey",
  z.object({
    id: idSchema,
    label: z.string(),
    prefix: z.string(),
    createdAt: timestamp,
    createdBy: idSchema,
    lastUsedAt: timestamp.nullable(),
    expiresAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
  }),
);

const auditEntry = named(
  "AuditEntry",
  z.object({
    id: idSchema,
    action: z.string(),
    actor: z.object({ type: z.string(), id: z.string() }),
    target: z.object({ type: z.string(), id: z.string() }).nullable(),
    requestId: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: timestamp,
  }),
);

const webhook = named(
  "Webhook",
  z.object({
    id: idSchema,
    url: z.string(),
    description: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    disabledAt: timestamp.nullable(),
    previousSecretExpiresAt: timestamp.nullable(),
    failingSince: timestamp.nullable(),
    createdBy: idSchema.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
);

const delivery = named(
  "WebhookDelivery",
  z.object({
    id: idSchema,
    webhookId: idSchema,
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]),
    attemptCount: z.number().int(),
    lastAttemptAt: timestamp.nullable(),
    statusCode: z.number().int().nullable(),
    durationMs: z.number().nullable(),
    error: z.string().nullable(),
    responseExcerpt: z.string().nullable(),
    nextAttemptAt: timestamp.nullable(),
    deliveredAt: timestamp.nullable(),
    createdAt: timestamp,
  }),
);

const deliveryWithAttempts = named(
  "WebhookDeliveryDetail",
  delivery.extend({
    attempts: z.array(
      z.object({
        attempt: z.number().int(),
        trigger: z.string(),
        startedAt: timestamp,
        durationMs: z.number().nullable(),
        statusCode: z.number().int().nullable(),
        error: z.string().nullable(),
        responseExcerpt: z.string().nullable(),
      }),
    ),
  }),
);

const webhookSecret = z.string().describe("whsec_<base64>: shown once");

/** A write-only secret in an answer: whether it is set, never its value. */
const secretState = named(
  "SecretState",
  z.object({ set: z.boolean() }).describe("A write-only secret: whether it is set"),
);

/** The PUT bodies, as production validates them (https only). */
const integrationBodies = integrationConfigSchemas(false);

/** A provider's answer: its non-secret fields, and `{set}` in place of each secret. */
function integrationOf<P extends keyof typeof integrationBodies>(provider: P, name: string) {
  const body = integrationBodies[provider];
  const secrets = Object.fromEntries(SECRET_FIELDS[provider].map((field) => [field, secretState]));
  return named(
    name,
    z.object({
      provider: z.literal(provider),
      configured: z.boolean(),
      config: body
        .extend(secrets)
        .nullable()
        .describe("Non-secret settings and which secrets are set; null when not configured"),
      updatedAt: timestamp.nullable(),
    }),
  );
}

const integration = named(
  "Integration",
  z.discriminatedUnion("provider", [
    integrationOf("s3", "S3Integration"),
    integrationOf("google_drive", "GoogleDriveIntegration"),
    integrationOf("sharepoint", "SharePointIntegration"),
  ]),
);

const ssoConfig = named(
  "SsoConfig",
  z.object({
    issuer: z.string(),
    clientId: z.string(),
    clientSecret: secretState,
    enforced: z.boolean(),
    allowedDomains: z.array(z.string()),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
);

const settings = { tag: "Settings", access: "settings" } as const;

/** Every public route of the settings service, with the schemas it validates with. */
export function settingsOperations(): OperationDoc[] {
  return operations([
    {
      method: "post",
      path: "/v1/auth/signup",
      operationId: "signup",
      summary: "Sign up: a new organization in this region, its owner and a session",
      tag: "Auth",
      access: "public",
      body: signupBody,
      headers: [sessionModeHeader],
      errorNotes: { CONFLICT: "an account with this email already exists" },
      responses: [
        {
          status: 201,
          description: "The organization, its owner and their session",
          headers: [sessionCookiesSet],
          schema: envelope({ organization, user: member, session }),
        },
      ],
    },
    {
      method: "post",
      path: "/v1/auth/login",
      operationId: "login",
      summary: "Log in with email and password",
      tag: "Auth",
      access: "public",
      body: loginBody,
      headers: [sessionModeHeader],
      errors: ["UNAUTHORIZED"],
      responses: [
        {
          status: 200,
          description: "A session",
          headers: [sessionCookiesSet],
          schema: envelope({ user: member, session }),
        },
      ],
    },
    {
      method: "post",
      path: "/v1/auth/accept-invite",
      operationId: "acceptInvite",
      summary: "Accept an invitation: set name and password, get a session",
      tag: "Auth",
      access: "public",
      body: acceptInviteBody,
      headers: [sessionModeHeader],
      errorNotes: { UNAUTHORIZED: "the invite token is unknown, expired or already used" },
      responses: [
        {
          status: 200,
          description: "A session",
          headers: [sessionCookiesSet],
          schema: envelope({ user: member, session }),
        },
      ],
    },
    {
      method: "get",
      path: "/v1/auth/sso/start",
      operationId: "startSso",
      summary:
        "Start signing in with single sign-on (OIDC, authorization code with PKCE): where to send the browser",
      description:
        "Finds the organization whose SSO configuration allows the email's domain (or the one named by organizationId), stores state, nonce and PKCE verifier for ten minutes, and answers the provider's authorization URL. The provider redirects the browser to the region's console at /sso/callback, which hands the query on to GET /v1/auth/sso/callback. The answer also sets a binding cookie that ties the sign-in to this browser (login CSRF protection): the callback must come from the same browser, with that cookie.",
      tag: "Auth",
      access: "public",
      query: ssoStartQuery,
      errors: ["NOT_FOUND", "SERVICE_UNAVAILABLE"],
      errorNotes: {
        CONFLICT:
          "several organizations use single sign-on for the email's domain: pass organizationId",
      },
      responses: [
        {
          status: 200,
          description: "The provider's authorization URL",
          headers: [ssoBindingSet],
          schema: envelope({ authorizationUrl: z.string() }),
        },
      ],
    },
    {
      method: "get",
      path: "/v1/auth/sso/callback",
      operationId: "completeSso",
      summary: "Complete single sign-on with the query the provider redirected with: a session",
      description:
        'The state is single use, and the request must carry the binding cookie set by GET /v1/auth/sso/start in the same browser: a sign-in link opened in another browser is refused (401 "This sign-in was started in another browser…") and used up. The code is exchanged with PKCE and the ID token\'s nonce checked; the provider must vouch for a verified email, which is matched to a member of the organization or provisioned as an active `member`. Any failure (unknown, expired or reused state, missing or wrong binding, provider error, unverified email, email of another organization) is 401. The binding cookie is cleared either way.',
      tag: "Auth",
      access: "public",
      query: ssoCallbackQuery,
      headers: [sessionModeHeader],
      errors: ["UNAUTHORIZED"],
      responses: [
        {
          status: 200,
          description: "A session",
          headers: [ssoCallbackCookies],
          schema: envelope({ user: member, session }),
        },
      ],
    },
    {
      method: "post",
      path: "/v1/auth/logout",
      operationId: "logout",
      summary: "Log out: the session token stops working at once",
      tag: "Auth",
      access: "authenticated",
      headers: [sessionModeHeader],
      errorNotes: {
        FORBIDDEN:
          "an API key cannot log out (revoke it in settings), or a cookie-authenticated write without its CSRF token or from another origin",
      },
      responses: [
        {
          status: 200,
          description: "Logged out",
          headers: [sessionCookiesCleared],
          schema: envelope({ loggedOut: z.literal(true) }),
        },
      ],
    },
    {
      method: "get",
      path: "/v1/me",
      operationId: "getMe",
      summary: "The caller: organization (with its base URL) and principal",
      tag: "Auth",
      access: "authenticated",
      responses: [
        {
          status: 200,
          description: "Who is calling",
          schema: envelope({
            organization: z.object({
              id: idSchema,
              name: z.string(),
              region: z.enum(["us", "eu", "au"]),
              baseUrl: z.string(),
            }),
            principal,
          }),
        },
      ],
    },
    {
      ...settings,
      method: "get",
      path: "/v1/settings/api-keys",
      operationId: "listApiKeys",
      summary: "List API keys",
      query: listQuery,
      responses: [
        { status: 200, description: "API keys", schema: listEnvelope("apiKeys", apiKey) },
      ],
    },
    {
      ...settings,
      method: "post",
      path: "/v1/settings/api-keys",
      operationId: "createApiKey",
      summary: "Create an API key (its secret is shown once)",
      body: apiKeyCreateBody,
      errorNotes: {
        CONFLICT:
          "a retry with the Idempotency-Key of a creation that succeeded: its secret was shown once and is not shown again",
      },
      responses: [
        {
          status: 201,
          description: "The key and its secret",
          schema: envelope({ apiKey, secret: z.string().describe("clm_sk_live_...: shown once") }),
        },
      ],
    },
    {
      ...settings,
      method: "post",
      path: "/v1/settings/api-keys/:id/revoke",
      operationId: "revokeApiKey",
      summary: "Revoke an API key (the row stays)",
      responses: [{ status: 200, description: "The revoked key", schema: envelope({ apiKey }) }],
    },
    {
      ...settings,
      method: "get",
      path: "/v1/settings/members",
      operationId: "listMembers",
      summary: "List members",
      query: listQuery,
      responses: [{ status: 200, description: "Members", schema: listEnvelope("members", member) }],
    },
    {
      ...settings,
      method: "post",
      path: "/v1/settings/members",
      operationId: "inviteMember",
      summary: "Invite a member (returns the invite token)",
      body: inviteBody,
      errorNotes: {
        CONFLICT:
          "an account with this email already exists, or a retry with the Idempotency-Key of an invitation that succeeded: its token was shown once and is not shown again",
      },
      responses: [
        {
          status: 201,
          description: "The invited member and the invite token",
          schema: envelope({ member, inviteToken: z.string(), inviteExpiresAt: timestamp }),
        },
      ],
    },
    {
      ...settings,
      method: "patch",
      path: "/v1/settings/members/:id",
      operationId: "changeMemberRole",
      summary: "Change a member's role (the last owner cannot be demoted)",
      body: changeRoleBody,
      errorNotes: { CONFLICT: "the last owner cannot be demoted" },
      responses: [{ status: 200, description: "The member", schema: envelope({ member }) }],
    },
    {
      ...settings,
      method: "delete",
      path: "/v1/settings/members/:id",
      operationId: "removeMember",
      summary: "Remove a member (the last owner cannot be removed)",
      errorNotes: { CONFLICT: "the last owner cannot be removed" },
      responses: [{ status: 200, description: "Removed", schema: deletedEnvelope }],
    },
    {
      ...settings,
      method: "get",
      path: "/v1/settings/organization",
      operationId: "getOrganization",
      summary: "The organization",
      responses: [
        { status: 200, description: "The organization", schema: envelope({ organization }) },
      ],
    },
    {
      ...settings,
      method: "patch",
      path: "/v1/settings/organization",
      operationId: "updateOrganization",
      summary: "Change the organization's name or time zone",
      body: organizationUpdateBody,
      responses: [
        { status: 200, description: "The organization", schema: envelope({ organization }) },
      ],
    },
    {
      ...settings,
      method: "get",
      path: "/v1/settings/audit-log",
      operationId: "listAuditLog",
      summary: "The audit log, newest first",
      query: listQuery,
      responses: [
        { status: 200, description: "Audit entries", schema: listEnvelope("entries", auditEntry) },
      ],
    },
    {
      ...settings,
      method: "get",
      path: "/v1/settings/webhooks",
      operationId: "listWebhooks",
      summary: "List webhook endpoints",
      query: listQuery,
      responses: [
        { status: 200, description: "Webhooks", schema: listEnvelope("webhooks", webhook) },
      ],
    },
    {
      ...settings,
      method: "post",
      path: "/v1/settings/webhooks",
      operationId: "createWebhook",
      summary: "Create a webhook endpoint (its secret is shown once)",
      body: webhookCreateBody,
      errorNotes: {
        CONFLICT:
          "a retry with the Idempotency-Key of a creation that succeeded: its secret was shown once and is not shown again",
      },
      responses: [
        {
          status: 201,
          description: "The endpoint and its signing secret",
          schema: envelope({ webhook, secret: webhookSecret }),
        },
      ],
    },
    {
      ...settings,
      method: "get",
      path: "/v1/settings/webhooks/:id",
      operationId: "getWebhook",
      summary: "A webhook endpoint",
      responses: [{ status: 200, description: "The endpoint", schema: envelope({ webhook }) }],
    },
    {
      ...settings,
      method: "patch",
      path: "/v1/settings/webhooks/:id",
      operationId: "updateWebhook",
      summary: "Change a webhook endpoint",
      body: webhookUpdateBody,
      responses: [{ status: 200, description: "The endpoint", schema: envelope({ webhook }) }],
    },
    {
      ...settings,
      method: "delete",
      path: "/v1/settings/webhooks/:id",
      operationId: "deleteWebhook",
      summary: "Delete a webhook endpoint",
      responses: [{ status: 200, description: "Deleted", schema: deletedEnvelope }],
    },
    {
      ...settings,
      method: "post",
      path: "/v1/settings/webhooks/:id/rotate-secret",
      operationId: "rotateWebhookSecret",
      summary: "Rotate the signing secret (the previous one stays valid for a while)",
      errorNotes: {
        CONFLICT:
          "a retry with the Idempotency-Key of a rotation that succeeded: the new secret was shown once and is not shown again",
      },
      responses: [
        {
          status: 200,
          description: "The endpoint and its new secret",
          schema: envelope({ webhook, secret: webhookSecret }),
        },
      ],
    },
    {
      ...settings,
      method: "post",
      path: "/v1/settings/webhooks/:id/test",
      operationId: "testWebhook",
      summary: "Send a test event",
      errorNotes: { CONFLICT: "the webhook is disabled: enable it first" },
      responses: [
        { status: 202, description: "The queued delivery", schema: envelope({ delivery }) },
      ],
    },
    {
      ...settings,
      method: "get",
      path: "/v1/settings/webhooks/:id/deliveries",
      operationId: "listWebhookDeliveries",
      summary: "Deliveries of an endpoint",
      query: deliveriesQuery,
      responses: [
        { status: 200, description: "Deliveries", schema: listEnvelope("deliveries", delivery) },
      ],
    },
    {
      ...settings,
      method: "get",
      path: "/v1/settings/webhooks/:id/deliveries/:deliveryId",
      operationId: "getWebhookDelivery",
      summary: "One delivery",
      responses: [
        {
          status: 200,
          description: "The delivery",
          schema: envelope({ delivery: deliveryWithAttempts }),
        },
      ],
    },
    {
      ...settings,
      method: "post",
      path: "/v1/settings/webhooks/:id/deliveries/:deliveryId/redeliver",
      operationId: "redeliverWebhookDelivery",
      summary: "Send a delivery again",
      errorNotes: {
        CONFLICT:
          "the webhook is disabled (enable it first), or an attempt of this delivery is in progress (retry shortly)",
      },
      responses: [{ status: 202, description: "The delivery", schema: envelope({ delivery }) }],
    },
    {
      ...settings,
      method: "get",
      path: "/v1/settings/integrations",
      operationId: "listIntegrations",
      summary: "Every cloud storage provider, configured or not (secrets are never returned)",
      responses: [
        {
          status: 200,
          description: "Integrations",
          schema: listEnvelope("integrations", integration),
        },
      ],
    },
    {
      ...settings,
      method: "put",
      path: "/v1/settings/integrations/:provider",
      operationId: "putIntegration",
      summary: "Configure a cloud storage integration (secrets are write-only)",
      description:
        "`provider` is `s3`, `google_drive` or `sharepoint` (another is 404); the body is that " +
        "provider's configuration. Secrets (`secretAccessKey`; `clientSecret`, `refreshToken`; " +
        "`clientSecret`) are encrypted at rest and never returned; one left out keeps the " +
        "stored value, and the first save must include them.",
      body: z.union([
        named("S3IntegrationConfig", integrationBodies.s3),
        named("GoogleDriveIntegrationConfig", integrationBodies.google_drive),
        named("SharePointIntegrationConfig", integrationBodies.sharepoint),
      ]),
      responses: [
        { status: 200, description: "The integration", schema: envelope({ integration }) },
      ],
    },
    {
      ...settings,
      method: "delete",
      path: "/v1/settings/integrations/:provider",
      operationId: "deleteIntegration",
      summary: "Remove an integration's configuration and secrets",
      responses: [
        {
          status: 200,
          description: "Removed",
          schema: envelope({
            provider: z.enum(["s3", "google_drive", "sharepoint"]),
            deleted: z.literal(true),
          }),
        },
      ],
    },
    {
      ...settings,
      method: "get",
      path: "/v1/settings/sso",
      operationId: "getSso",
      summary: "The single sign-on (OIDC) configuration, or null",
      responses: [
        {
          status: 200,
          description: "The configuration",
          schema: envelope({ sso: ssoConfig.nullable() }),
        },
      ],
    },
    {
      ...settings,
      method: "put",
      path: "/v1/settings/sso",
      operationId: "putSso",
      summary:
        "Configure single sign-on; with enforced, password login is refused to everyone but owners",
      body: ssoBody(false),
      responses: [
        { status: 200, description: "The configuration", schema: envelope({ sso: ssoConfig }) },
      ],
    },
    {
      ...settings,
      method: "delete",
      path: "/v1/settings/sso",
      operationId: "deleteSso",
      summary: "Remove the single sign-on configuration (and its enforcement)",
      responses: [
        { status: 200, description: "Removed", schema: envelope({ deleted: z.literal(true) }) },
      ],
    },
  ]);
}
