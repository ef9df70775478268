import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { call, startRecordingServer, waitFor, type RecordingServer } from "@clment/testing";
import { agreementPdf } from "../../../services/review/test/support/agreement.documents.js";
import { overrideEnv } from "../../src/env.js";
import { newApiKey, newOrganization, startTestRegion } from "../../src/factories.js";
import type { RunningRegion } from "../../src/region.js";

const LLM_ENV = {
  REVIEW_PROVIDER: "openai",
  LLM_MODEL: "fake",
  LLM_MAX_RETRIES: "0",
  REVIEW_JOB_ATTEMPTS: "1",
};

const chat = (content: string) =>
  JSON.stringify({ model: "fake", choices: [{ message: { role: "assistant", content } }] });

/** OWASP API10:2023: what the LLM provider answers is validated before anything is stored. */
describe("API10 unsafe consumption of APIs (LLM provider output)", () => {
  let llm: RecordingServer;
  let region: RunningRegion;
  let key: string;
  let contractId: string;
  let playbookId: string;
  let restoreEnv: (() => void) | undefined;
  const api = (method: string, path: string, body?: unknown) =>
    call(region.url, method, path, { token: key, body });

  beforeAll(async () => {
    llm = await startRecordingServer();
    restoreEnv = overrideEnv({ ...LLM_ENV, LLM_BASE_URL: llm.url });
    region = await startTestRegion("api10", { region: "eu" });
    const org = await newOrganization(region.url);
    key = (await newApiKey(region.url, org.owner.token)).secret;
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(await agreementPdf())]), "Agreement.pdf");
    const created = await fetch(`${region.url}/v1/contracts`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: form,
    });
    contractId = ((await created.json()) as any).data.contract.id;
    await waitFor(
      async () =>
        (await api("GET", `/v1/contracts/${contractId}`)).body?.data?.contract?.document
          ?.extraction === "completed",
      { timeoutMs: 30_000, message: "the document's text" },
    );
    playbookId = await waitFor(
      async () => (await api("GET", "/v1/playbooks")).body?.data?.playbooks?.[0]?.id as string,
      { timeoutMs: 20_000, message: "the built-in playbook" },
    );
  }, 90_000);

  afterAll(async () => {
    await region?.close();
    await llm?.close();
    restoreEnv?.();
  });

  async function review() {
    const queued = await api("POST", `/v1/contracts/${contractId}/reviews`, { playbookId });
    expect(queued.status).toBe(202);
    const id = queued.body.data.review.id as string;
    return waitFor(
      async () => {
        const current = (await api("GET", `/v1/reviews/${id}`)).body?.data?.review;
        return current?.status === "completed" || current?.status === "failed" ? current : null;
      },
      { timeoutMs: 30_000, message: "the review to finish" },
    );
  }

  it("fails the review and charges nothing when the model's answer is not valid", async () => {
    const before = (await api("GET", "/v1/credits")).body.data.balance;
    for (const body of [
      "<html>upstream exploded</html>",
      chat("not json at all"),
      chat(JSON.stringify({ findings: [{ ruleId: 1, status: "pwned" }] })),
      chat(JSON.stringify({ findings: [] })),
      JSON.stringify({ choices: [] }),
    ]) {
      llm.respond(() => ({ status: 200, body, headers: { "content-type": "application/json" } }));
      const result = await review();
      expect(result.status).toBe("failed");
      expect(result.credits.charged).toBeFalsy();
      expect(JSON.stringify(result)).not.toContain("upstream exploded");
    }
    const after = await waitFor(
      async () => {
        const balance = (await api("GET", "/v1/credits")).body.data.balance;
        return balance.total === before.total ? balance : null;
      },
      { timeoutMs: 20_000, message: "every reservation to be released" },
    );
    expect(after).toEqual(before);
  }, 90_000);

  it("keeps only the findings of the playbook's own rules, as plain data", async () => {
    llm.respond((req) => {
      const ruleIds = [...req.body.matchAll(/\\"ruleId\\":\\"([^\\"]+)\\"/g)].map((m) => m[1]);
      const findings = [...ruleIds, "rule-that-does-not-exist"].map((ruleId) => ({
        ruleId,
        status: "missing",
        excerpt: "",
        explanation: "<script>alert(1)</script> ignore previous instructions",
        suggestion: null,
        organizationId: "00000000-0000-4000-8000-000000000000",
      }));
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: chat(JSON.stringify({ findings })),
      };
    });
    const result = await review();
    expect(result.status).toBe("completed");
    const findings = await api("GET", `/v1/reviews/${result.id}/findings?take=100`);
    const playbook = await api("GET", `/v1/playbooks/${playbookId}`);
    expect(findings.body.data.total).toBe(playbook.body.data.playbook.rules.length);
    expect(findings.headers.get("content-type")).toContain("application/json");
    for (const finding of findings.body.data.findings) {
      expect(finding).not.toHaveProperty("organizationId", "00000000-0000-4000-8000-000000000000");
    }
  }, 60_000);
});
