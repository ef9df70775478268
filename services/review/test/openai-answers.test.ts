import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { redlineParagraphs } from "../src/documents/redline.builder.js";
import {
  MAX_EXPLANATION,
  MAX_SUGGESTION,
  OpenAiReviewProvider,
} from "../src/engine/openai.provider.js";
import type { PlaybookRule } from "../src/engine/playbook.rules.js";
import { PermanentProviderError } from "../src/engine/review.types.js";
import { standardRules } from "../src/engine/standard-playbook.js";
import { FakeModelServer } from "./support/fake-model-server.js";
import { agreementText } from "./support/services-agreement.js";

const text = agreementText();
const GOVERNING_LAW =
  "This Agreement shall be governed by and construed in accordance with the laws of the State of New York";

interface ModelFinding {
  status: "compliant" | "deviation" | "missing";
  excerpt?: string;
  explanation?: string;
  suggestion?: string | null;
}

/** A chat-completions answer: every rule compliant unless `overrides` says otherwise by clause type. */
function answer(rules: readonly PlaybookRule[], overrides: Record<string, ModelFinding> = {}) {
  return (request: any, res: ServerResponse) => {
    const findings = rules.map((rule) => ({
      ruleId: rule.id,
      excerpt: "",
      explanation: `Checked ${rule.title}.`,
      suggestion: null,
      status: "compliant",
      ...overrides[rule.clauseType],
    }));
    chat(res, {
      model: request.body.model,
      choices: [
        {
          message: { role: "assistant", content: JSON.stringify({ findings }) },
          finish_reason: "stop",
        },
      ],
    });
  };
}

function chat(res: ServerResponse, body: unknown) {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** What the redline of these findings changes: deleted and inserted words. */
function redlineChanges(findings: Parameters<typeof redlineParagraphs>[1]) {
  const { paragraphs, changes } = redlineParagraphs(text, findings);
  const runs = paragraphs.flatMap((p) => p.runs).filter((run) => run.kind !== "text");
  return { changes, runs: runs.map((run) => ({ kind: run.kind, text: run.text })) };
}

describe("the OpenAI-compatible provider checks the model's answer", () => {
  const fake = new FakeModelServer();
  const provider = () =>
    new OpenAiReviewProvider({
      baseUrl: fake.url,
      model: "gpt-test",
      timeoutMs: 5_000,
      maxRetries: 2,
      backoffMs: 10,
    });

  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.requests = [];
  });

  it("turns a prohibited clause the model calls missing into a compliant finding the redline leaves alone", async () => {
    const rules = standardRules().map((rule) =>
      rule.clauseType === "assignment" || rule.clauseType === "data_protection"
        ? { ...rule, requirement: "prohibited" as const }
        : rule,
    );
    const prohibited = rules.filter((rule) => rule.requirement === "prohibited");
    expect(prohibited.length).toBeGreaterThan(0);
    fake.replies = [
      answer(
        rules,
        Object.fromEntries(
          prohibited.map((rule) => [
            rule.clauseType,
            { status: "missing", suggestion: "Customer shall not compete with Provider." },
          ]),
        ),
      ),
    ];
    const { findings } = await provider().review({ text, rules });
    for (const rule of prohibited) {
      const finding = findings.find((f) => f.ruleId === rule.id)!;
      expect(finding).toMatchObject({ status: "compliant", suggestion: null, excerpt: "" });
      expect(finding.explanation).toMatch(/as the playbook requires/);
    }
    expect(redlineChanges(findings)).toEqual({ changes: 0, runs: [] });
  });

  it("keeps a missing required clause missing, with the model's suggestion", async () => {
    const rules = standardRules();
    fake.replies = [
      answer(rules, {
        data_protection: { status: "missing", suggestion: "Each party shall protect data." },
      }),
    ];
    const { findings } = await provider().review({ text, rules });
    const missing = findings.find((f) => f.clauseType === "data_protection")!;
    expect(missing).toMatchObject({
      status: "missing",
      suggestion: "Each party shall protect data.",
      location: { start: text.length, end: text.length },
    });
    expect(redlineChanges(findings).runs).toEqual([
      { kind: "insert", text: "Each party shall protect data." },
    ]);
  });

  it("locates a deviation whose quote occurs once, and the redline replaces those words", async () => {
    const rules = standardRules();
    fake.replies = [
      answer(rules, {
        governing_law: {
          status: "deviation",
          excerpt: GOVERNING_LAW,
          suggestion: "This Agreement is governed by the laws of England.",
        },
      }),
    ];
    const { findings } = await provider().review({ text, rules });
    const law = findings.find((f) => f.clauseType === "governing_law")!;
    expect(text.slice(law.location.start, law.location.end)).toBe(GOVERNING_LAW);
    expect(law.excerpt).toBe(GOVERNING_LAW);
    expect(redlineChanges(findings).runs).toEqual([
      { kind: "delete", text: GOVERNING_LAW },
      { kind: "insert", text: "This Agreement is governed by the laws of England." },
    ]);
  });

  it("keeps a deviation whose quote is not in the text or occurs more than once, without a location or a change", async () => {
    const rules = standardRules();
    expect(text.split("Customer shall pay").length - 1).toBeGreaterThan(1);
    fake.replies = [
      answer(rules, {
        governing_law: {
          status: "deviation",
          excerpt: "governed by the laws of Atlantis",
          explanation: "The governing law differs.",
          suggestion: "The laws of England apply.",
        },
        payment_terms: {
          status: "deviation",
          excerpt: "Customer shall pay",
          explanation: "Payment is too slow.",
          suggestion: "Customer shall pay within 30 days.",
        },
      }),
    ];
    const { findings } = await provider().review({ text, rules });
    const law = findings.find((f) => f.clauseType === "governing_law")!;
    expect(law).toMatchObject({
      status: "deviation",
      excerpt: "",
      location: { start: 0, end: 0 },
      suggestion: "The laws of England apply.",
    });
    expect(law.explanation).toMatch(/^The governing law differs\. .*was not found/);
    const payment = findings.find((f) => f.clauseType === "payment_terms")!;
    expect(payment).toMatchObject({
      status: "deviation",
      excerpt: "",
      location: { start: 0, end: 0 },
    });
    expect(payment.explanation).toMatch(/appears more than once/);
    expect(redlineChanges(findings)).toEqual({ changes: 0, runs: [] });
  });

  it("strips control characters and caps the lengths of the model's text", async () => {
    const rules = standardRules();
    fake.replies = [
      answer(rules, {
        governing_law: {
          status: "deviation",
          excerpt: GOVERNING_LAW,
          explanation: `Wrong\u0000 law\u0007.\n${"x".repeat(MAX_EXPLANATION * 2)}`,
          suggestion: `New\u0000 York\u001b law \ud800${"y".repeat(MAX_SUGGESTION * 2)}`,
        },
      }),
    ];
    const { findings } = await provider().review({ text, rules });
    const law = findings.find((f) => f.clauseType === "governing_law")!;
    expect(law.explanation.startsWith("Wrong law.\n")).toBe(true);
    expect(law.explanation.length).toBeLessThanOrEqual(MAX_EXPLANATION);
    expect(law.suggestion!.startsWith("New York law y")).toBe(true);
    expect(law.suggestion!.length).toBeLessThanOrEqual(MAX_SUGGESTION);
    for (const finding of findings) {
      for (const value of [finding.excerpt, finding.explanation, finding.suggestion ?? ""]) {
        expect(value).not.toMatch(/(?![\t\n\r])[\p{Cc}\p{Cs}]/u);
      }
    }
  });

  it("gives up at once, with a reason, on a refusal or an answer cut off at the output limit", async () => {
    const rules = standardRules();
    const cases = [
      {
        message: { role: "assistant", content: null, refusal: "I can't help with that." },
        finish_reason: "stop",
        reason: /refused to review this contract/,
      },
      {
        message: { role: "assistant", content: '{"findings": [{"ruleId": "' },
        finish_reason: "length",
        reason: /cut off at its output limit/,
      },
    ];
    for (const { message, finish_reason, reason } of cases) {
      fake.requests = [];
      fake.replies = [(_request, res) => chat(res, { choices: [{ message, finish_reason }] })];
      const review = provider().review({ text, rules });
      await expect(review).rejects.toBeInstanceOf(PermanentProviderError);
      await expect(review).rejects.toThrow(reason);
      expect(fake.requests).toHaveLength(1);
    }
  });
});
