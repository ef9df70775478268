import type { Migration } from "@clment/db";
import * as outbox from "./2026_12_04_0001_outbox.js";
import * as settings from "./2026_12_04_0002_settings.js";
import * as idempotencyKeys from "./2026_12_05_0001_idempotency_keys.js";
import * as webhooks from "./2026_12_06_0001_webhooks.js";
import * as integrationsSso from "./2026_12_07_0001_integrations_sso.js";
import * as ssoLogins from "./2026_12_08_0001_sso_logins.js";
import * as retention from "./2026_12_10_0001_retention.js";
import * as organizationPlan from "./2026_12_11_0001_organization_plan.js";
import * as ssoLoginBinding from "./2026_12_12_0001_sso_login_binding.js";

export const migrations: Record<string, Migration> = {
  "2026_12_04_0001_outbox": outbox,
  "2026_12_04_0002_settings": settings,
  "2026_12_05_0001_idempotency_keys": idempotencyKeys,
  "2026_12_06_0001_webhooks": webhooks,
  "2026_12_07_0001_integrations_sso": integrationsSso,
  "2026_12_08_0001_sso_logins": ssoLogins,
  "2026_12_10_0001_retention": retention,
  "2026_12_11_0001_organization_plan": organizationPlan,
  "2026_12_12_0001_sso_login_binding": ssoLoginBinding,
};
