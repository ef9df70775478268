import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { OpenAiReviewProvider } from "../src/engine/openai.provider.js";
import { RetryableProviderError } from "../src/engine/review.types.js";
import { standardRules } from "../src/engine/standard-playbook.js";
import { FakeModelServer } from "./support/fake-model-server.js";
import { agreementText } from "./support/services-agreement.js";

const text = agreementText();
const rules = standardRules();

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** A well-formed answer: the governing-law clause quoted, everything else compliant. */
function goodAnswer(request: any, res: ServerResponse) {
  const quote =
    "This Agreement shall be governed by and construed in accordance with the laws of the State of New York";
  const findings = rules.map((rule) => ({
    ruleId: rule.id,
    status: rule.clauseType === "data_protection" ? "missing" : "compliant",
    excerpt: rule.clauseType === "governing_law" ? quote.replace(/ /g, "  ") : "",
    explanation: `Checked ${rule.title}.`,
    suggestion: null,
  }));
  json(res, 200, {
    id: "chatcmpl-1",
    model: request.body.model,
    choices: [{ index: 0, message: { role: "assistant", content: JSON.stringify({ findings }) } }],
    usage: { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500 },
  });
}

function malformedAnswer(_request: any, res: ServerResponse) {
  json(res, 200, {
    choices: [{ message: { role: "assistant", content: '{"findings": [{"ruleId": 1' } }],
    usage: { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010 },
  });
}

describe("the OpenAI-compatible review provider", () => {
  const fake = new FakeModelServer();
  const provider = (overrides: { timeoutMs?: number; maxRetries?: number } = {}) =>
    new OpenAiReviewProvider({
      baseUrl: fake.url,
      model: "gpt-test",
      apiKey: "sk-test",
      timeoutMs: overrides.timeoutMs ?? 5_000,
      maxRetries: overrides.maxRetries ?? 2,
      backoffMs: 10,
    });

  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.requests = [];
  });

  it("asks for JSON-schema structured output and turns a valid answer into located findings", async () => {
    fake.replies = [goodAnswer];
    const result = await provider().review({ text, rules });
    const [request] = fake.requests;
    expect(request.path).toBe("/v1/chat/completions");
    expect(request.headers.authorization).toBe("Bearer sk-test");
    expect(request.body.model).toBe("gpt-test");
    expect(request.body.response_format).toMatchObject({
      type: "json_schema",
      json_schema: { name: "contract_review", strict: true },
    });
    expect(request.body.messages[1].content).toContain(rules[0]!.id);
    expect(result).toMatchObject({
      provider: "openai",
      model: "gpt-test",
      usage: { promptTokens: 1200, completionTokens: 300, totalTokens: 1500 },
    });
    const law = result.findings.find((f) => f.clauseType === "governing_law")!;
    expect(text.slice(law.location.start, law.location.end)).toContain(
      "the laws of the State of New York",
    );
    const missing = result.findings.find((f) => f.clauseType === "data_protection")!;
    expect(missing.status).toBe("missing");
    expect(missing.suggestion).toBe(
      rules.find((r) => r.clauseType === "data_protection")!.preferredText,
    );
  });

  it("retries a malformed answer and records the tokens of every attempt", async () => {
    fake.replies = [malformedAnswer, goodAnswer];
    const result = await provider().review({ text, rules });
    expect(fake.requests).toHaveLength(2);
    expect(result.usage).toEqual({ promptTokens: 2200, completionTokens: 310, totalTokens: 2510 });
  });

  it("fails with a retryable error when every answer is malformed", async () => {
    fake.replies = [malformedAnswer];
    await expect(provider({ maxRetries: 1 }).review({ text, rules })).rejects.toBeInstanceOf(
      RetryableProviderError,
    );
    expect(fake.requests).toHaveLength(2);
  });

  it("rejects an answer that skips a rule", async () => {
    fake.replies = [
      (request, res) => {
        const findings = rules.slice(1).map((rule) => ({
          ruleId: rule.id,
          status: "compliant",
          excerpt: "",
          explanation: "fine",
          suggestion: null,
        }));
        json(res, 200, {
          model: request.body.model,
          choices: [{ message: { content: JSON.stringify({ findings }) } }],
        });
      },
    ];
    await expect(provider({ maxRetries: 0 }).review({ text, rules })).rejects.toThrow(
      /usable answer/,
    );
  });

  it("gives up on an answer that takes longer than the timeout and retries it", async () => {
    let calls = 0;
    fake.replies = [
      (request, res) => {
        calls++;
        if (calls === 1) {
          setTimeout(() => goodAnswer(request, res), 1_000).unref();
          return;
        }
        goodAnswer(request, res);
      },
    ];
    const started = Date.now();
    const result = await provider({ timeoutMs: 200 }).review({ text, rules });
    expect(result.findings).toHaveLength(rules.length);
    expect(fake.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("retries 429 and 5xx answers, but not a refused request", async () => {
    fake.replies = [(_r, res) => json(res, 503, { error: { message: "overloaded" } }), goodAnswer];
    await expect(provider().review({ text, rules })).resolves.toBeDefined();
    expect(fake.requests).toHaveLength(2);

    fake.requests = [];
    fake.replies = [(_r, res) => json(res, 401, { error: { message: "bad key" } })];
    const refused = provider().review({ text, rules });
    await expect(refused).rejects.toThrow(/refused the request with 401/);
    await expect(refused).rejects.not.toBeInstanceOf(RetryableProviderError);
    expect(fake.requests).toHaveLength(1);
  });
});
