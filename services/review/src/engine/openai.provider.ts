import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { CLAUSE_TYPES } from "./clause-types.js";
import type { PlaybookRule } from "./playbook.rules.js";
import {
  excerptOf,
  FINDING_STATUSES,
  PermanentProviderError,
  RetryableProviderError,
  type FindingDraft,
  type ReviewInput,
  type ReviewProvider,
  type ReviewResult,
  type TokenUsage,
} from "./review.types.js";

export interface OpenAiProviderOptions {
  /** e.g. https://api.openai.com/v1 or a compatible server; `/chat/completions` is appended. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Per request. */
  timeoutMs: number;
  /** Further attempts after a timeout, a 429/5xx or a malformed answer. */
  maxRetries: number;
  /** First backoff delay; doubles each retry. */
  backoffMs?: number;
}

/** What the model must answer: one finding per rule, validated before anything is stored. */
const modelAnswer = z.object({
  findings: z.array(
    z.object({
      ruleId: z.string(),
      status: z.enum(FINDING_STATUSES),
      excerpt: z.string(),
      explanation: z.string().min(1),
      suggestion: z.string().nullable(),
    }),
  ),
});

type ModelAnswer = z.output<typeof modelAnswer>;

const ANSWER_SCHEMA = z.toJSONSchema(modelAnswer);

const chatResponse = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable(), refusal: z.string().nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number().int().nonnegative(),
      completion_tokens: z.number().int().nonnegative(),
      total_tokens: z.number().int().nonnegative(),
    })
    .optional(),
  model: z.string().optional(),
});

const SYSTEM_PROMPT = [
  "You review contracts against a playbook for the customer.",
  "For every rule, decide whether the contract is compliant, has a deviation (the clause exists but differs from the rule, or a prohibited clause is present) or is missing the clause the rule requires.",
  "Quote the deciding clause word for word in `excerpt` (empty when missing), explain in one or two sentences what differs, and propose replacement text in `suggestion` for deviations and missing clauses (null when compliant).",
  "Answer with JSON only, exactly one finding per rule id.",
].join(" ");

function describeRules(rules: readonly PlaybookRule[]): string {
  const titles = new Map(CLAUSE_TYPES.map((t) => [t.id, t.title]));
  return rules
    .map((rule) =>
      JSON.stringify({
        ruleId: rule.id,
        title: rule.title,
        clauseType: `${rule.clauseType} (${titles.get(rule.clauseType)})`,
        requirement: rule.requirement,
        parameters: rule.parameters,
        preferredText: rule.preferredText,
      }),
    )
    .join("\n");
}

/**
 * Where a quote occurs in the text, ignoring differences in whitespace: at most `limit` places.
 * A finding is located only by a quote that occurs exactly once: a short quote found in several
 * clauses could point the redline at the wrong words.
 */
function occurrences(text: string, quote: string, limit: number): { start: number; end: number }[] {
  const words = quote.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const pattern = new RegExp(
    words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s+"),
    "g",
  );
  const found: { start: number; end: number }[] = [];
  let match: RegExpExecArray | null;
  while (found.length < limit && (match = pattern.exec(text))) {
    found.push({ start: match.index, end: match.index + match[0].length });
    // The next occurrence may overlap this one.
    pattern.lastIndex = match.index + 1;
  }
  return found;
}

/** The longest explanation and suggestion kept from a model's answer. */
export const MAX_EXPLANATION = 2_000;
export const MAX_SUGGESTION = 10_000;

/** Characters Postgres (U+0000) or XML (most control characters) refuse, and lone surrogates. */
const UNSTORABLE = /(?![\t\n\r])[\p{Cc}\p{Cs}\uFFFE\uFFFF]/gu;

/** Model text as it can be stored and put in a DOCX: cleaned, trimmed, at most `max` characters. */
export function cleanModelText(value: string, max: number): string {
  const clean = value.replace(UNSTORABLE, "").trim();
  if (clean.length <= max) return clean;
  // Cutting may split a surrogate pair.
  return `${clean.slice(0, max - 1).replace(UNSTORABLE, "")}…`;
}

/**
 * Reviews with an OpenAI-compatible chat-completions API, asking for JSON-schema structured
 * output and validating the answer with zod. Timeouts, 429/5xx and malformed answers are retried
 * with backoff; token usage of every attempt is added up on the result.
 */
export class OpenAiReviewProvider implements ReviewProvider {
  readonly name = "openai";

  constructor(private readonly options: OpenAiProviderOptions) {}

  async review(input: ReviewInput, options: { signal?: AbortSignal } = {}): Promise<ReviewResult> {
    const usage: TokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.options.maxRetries; attempt++) {
      if (attempt > 0) {
        await sleep((this.options.backoffMs ?? 250) * 2 ** (attempt - 1), undefined, {
          signal: options.signal,
        });
      }
      try {
        const { answer, model } = await this.ask(input, usage, options.signal);
        return {
          findings: this.toFindings(input, answer),
          provider: this.name,
          model,
          usage,
        };
      } catch (error) {
        if (!(error instanceof RetryableProviderError)) throw error;
        lastError = error;
      }
    }
    throw new RetryableProviderError(
      `the model gave no usable answer after ${this.options.maxRetries + 1} attempts`,
      { cause: lastError },
    );
  }

  private async ask(
    input: ReviewInput,
    usage: TokenUsage,
    signal?: AbortSignal,
  ): Promise<{ answer: ModelAnswer; model: string }> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl.replace(/\/$/, "")}/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.options.model,
          temperature: 0,
          messages: [
            { role: "system", content: SYSTEM_PROMPT },
            {
              role: "user",
              content: `Playbook rules, one JSON object per line:\n${describeRules(input.rules)}\n\nContract text:\n${input.text}`,
            },
          ],
          response_format: {
            type: "json_schema",
            json_schema: { name: "contract_review", strict: true, schema: ANSWER_SCHEMA },
          },
        }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new RetryableProviderError("the model did not answer in time", { cause: error });
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      throw new RetryableProviderError("the model's answer is not JSON", { cause: error });
    }
    if (response.status === 429 || response.status >= 500) {
      throw new RetryableProviderError(`the model answered ${response.status}`);
    }
    if (!response.ok) {
      // A 4xx other than 429 is our request or our key: retrying will not help.
      throw new Error(`the model refused the request with ${response.status}`);
    }
    const chat = chatResponse.safeParse(body);
    if (!chat.success) throw new RetryableProviderError("the model's answer has the wrong shape");
    if (chat.data.usage) {
      usage.promptTokens += chat.data.usage.prompt_tokens;
      usage.completionTokens += chat.data.usage.completion_tokens;
      usage.totalTokens += chat.data.usage.total_tokens;
    }
    const choice = chat.data.choices[0]!;
    // At temperature 0 the same request gets the same refusal or the same cut-off answer.
    if (choice.finish_reason === "length") {
      throw new PermanentProviderError(
        "the model's answer was cut off at its output limit; the contract or the playbook is too long for the model",
      );
    }
    if (choice.finish_reason === "content_filter") {
      throw new PermanentProviderError("the model's content filter withheld its answer");
    }
    if (choice.message.refusal || choice.message.content === null) {
      throw new PermanentProviderError("the model refused to review this contract");
    }
    let content: unknown;
    try {
      content = JSON.parse(choice.message.content);
    } catch {
      throw new RetryableProviderError("the model's content is not JSON");
    }
    const answer = modelAnswer.safeParse(content);
    if (!answer.success) {
      throw new RetryableProviderError("the model's content does not match the schema");
    }
    const answered = new Set(answer.data.findings.map((f) => f.ruleId));
    const unanswered = input.rules.filter((rule) => !answered.has(rule.id));
    if (unanswered.length > 0) {
      throw new RetryableProviderError(`the model skipped ${unanswered.length} rule(s)`);
    }
    return { answer: answer.data, model: chat.data.model ?? this.options.model };
  }

  /**
   * The model's answer checked against the rules and the text: a prohibited clause the model
   * calls missing is what the rule wants (compliant); a quote is located only when it occurs
   * exactly once, otherwise the finding keeps no excerpt or location (and the redline leaves the
   * text alone); the model's strings are cleaned and capped.
   */
  private toFindings(input: ReviewInput, answer: ModelAnswer): FindingDraft[] {
    return input.rules.map((rule) => {
      const found = answer.findings.find((f) => f.ruleId === rule.id)!;
      const end = input.text.length;
      let status = found.status;
      let location = { start: end, end };
      let explanation = found.explanation;
      if (status === "missing" && rule.requirement === "prohibited") {
        status = "compliant";
        explanation = `No ${rule.title} clause was found, as the playbook requires.`;
      } else if (status !== "missing") {
        const places = occurrences(input.text, found.excerpt, 2);
        location = places.length === 1 ? places[0]! : { start: 0, end: 0 };
        if (status === "deviation" && places.length !== 1) {
          const why = places.length === 0 ? "was not found" : "appears more than once";
          explanation += ` (The quoted clause ${why} in the contract's text, so it is not marked or changed.)`;
        }
      }
      const suggestion =
        status === "compliant"
          ? null
          : cleanModelText(
              found.suggestion ?? rule.preferredText ?? rule.fallbackText ?? "",
              MAX_SUGGESTION,
            ) || null;
      return {
        ruleId: rule.id,
        clauseType: rule.clauseType,
        status,
        severity: rule.severity,
        excerpt:
          location.end > location.start ? excerptOf(input.text, location.start, location.end) : "",
        location,
        explanation: cleanModelText(explanation, MAX_EXPLANATION),
        suggestion,
        details: {
          ruleTitle: rule.title,
          differences: [],
          values: {},
          confidence: null,
          clauseNumber: null,
        },
      };
    });
  }
}
