import { call } from "@clment/testing";
import { overrideEnv } from "../../src/env.js";
import {
  newApiKey,
  newMember,
  newOrganization,
  startTestRegion,
  type NewApiKey,
  type NewMember,
  type NewOrganization,
} from "../../src/factories.js";
import type { RunningRegion } from "../../src/region.js";

export interface Tenant {
  org: NewOrganization;
  key: NewApiKey;
  member: NewMember;
  /** A contract with a key date, a playbook and a webhook of this organization. */
  contractId: string;
  keyDateId: string;
  playbookId: string;
  webhookId: string;
}

export interface SecurityRegion {
  region: RunningRegion;
  url: string;
  a: Tenant;
  b: Tenant;
  close(): Promise<void>;
}

/** The settings service reads its webhook settings from the environment at start. */
export const WEBHOOK_TEST_ENV = {
  WEBHOOKS_ALLOW_HTTP: "true",
  WEBHOOKS_ALLOW_PRIVATE_NETWORKS: "true",
};

async function tenant(url: string): Promise<Tenant> {
  const org = await newOrganization(url);
  const key = await newApiKey(url, org.owner.token);
  const member = await newMember(url, org.owner.token);
  const as = (method: string, path: string, body?: unknown) =>
    call(url, method, path, { token: org.owner.token, body });
  const contract = await as("POST", "/v1/contracts", { title: "Master services agreement" });
  const contractId = contract.body.data.contract.id as string;
  const keyDate = await as("POST", `/v1/contracts/${contractId}/key-dates`, {
    kind: "renewal",
    date: "2030-01-01",
    title: "Renewal",
  });
  const playbook = await as("POST", "/v1/playbooks", { name: "Private playbook", rules: [] });
  const webhook = await as("POST", "/v1/settings/webhooks", {
    url: "http://127.0.0.1:9/clment",
    events: ["contract.created"],
  });
  for (const [what, response] of [
    ["contract", contract],
    ["key date", keyDate],
    ["playbook", playbook],
    ["webhook", webhook],
  ] as const) {
    if (response.status !== 201) throw new Error(`${what}: ${response.status} ${response.text}`);
  }
  return {
    org,
    key,
    member,
    contractId,
    keyDateId: keyDate.body.data.keyDate.id as string,
    playbookId: playbook.body.data.playbook.id as string,
    webhookId: webhook.body.data.webhook.id as string,
  };
}

/** One region (in-process) with two organizations, each with a key, a member and resources. */
export async function startSecurityRegion(
  label: string,
  options: Parameters<typeof startTestRegion>[1] = {},
): Promise<SecurityRegion> {
  // Test webhooks go to a local port; settings reads this when it starts.
  const restoreEnv = overrideEnv(WEBHOOK_TEST_ENV);
  let region: RunningRegion | undefined;
  const close = async () => {
    await region?.close();
    restoreEnv();
  };
  try {
    region = await startTestRegion(label, { region: "eu", ...options });
    const a = await tenant(region.url);
    const b = await tenant(region.url);
    return { region, url: region.url, a, b, close };
  } catch (error) {
    await close();
    throw error;
  }
}
