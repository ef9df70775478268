import { AppError, parseInput } from "@clment/http";
import { z } from "zod";
import type { ContractFields } from "../data/contract.repository.js";
import { isoDate } from "./request.js";

export const CONTRACT_STATUSES = ["draft", "in_review", "active", "expired", "terminated"] as const;

const MAX_METADATA_BYTES = 16 * 1024;

const value = z.strictObject({
  amount: z.number().finite().min(0).max(1e15),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, "must be a 3-letter ISO 4217 code")
    .transform((c) => c.toUpperCase()),
});

const tags = z
  .array(z.string().trim().min(1).max(64))
  .max(50)
  .transform((list) => [...new Set(list)]);

const metadata = z
  .record(z.string().max(100), z.unknown())
  .refine(
    (m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES,
    "must be at most 16 KiB as JSON",
  );

const fields = {
  title: z.string().trim().min(1).max(500),
  counterparty: z.string().trim().min(1).max(500).nullable(),
  status: z.enum(CONTRACT_STATUSES),
  value: value.nullable(),
  effectiveDate: isoDate.nullable(),
  endDate: isoDate.nullable(),
  tags,
  metadata,
};

function datesInOrder(input: { effectiveDate?: string | null; endDate?: string | null }) {
  return !input.effectiveDate || !input.endDate || input.endDate >= input.effectiveDate;
}
const datesMessage = { message: "must not be before effectiveDate", path: ["endDate"] };

export const createBody = z
  .strictObject({
    title: fields.title.optional(),
    counterparty: fields.counterparty.optional(),
    status: fields.status.optional(),
    value: fields.value.optional(),
    effectiveDate: fields.effectiveDate.optional(),
    endDate: fields.endDate.optional(),
    tags: fields.tags.optional(),
    metadata: fields.metadata.optional(),
  })
  .refine(datesInOrder, datesMessage);

export const updateBody = z
  .strictObject({
    title: fields.title.optional(),
    counterparty: fields.counterparty.optional(),
    status: fields.status.optional(),
    value: fields.value.optional(),
    effectiveDate: fields.effectiveDate.optional(),
    endDate: fields.endDate.optional(),
    tags: fields.tags.optional(),
    metadata: fields.metadata.optional(),
  })
  .refine(datesInOrder, datesMessage);

export type NewContractInput = Omit<ContractFields, "title"> & { title?: string };

function withDefaults(body: z.output<typeof createBody>): NewContractInput {
  return {
    ...(body.title !== undefined && { title: body.title }),
    status: body.status ?? "draft",
    counterparty: body.counterparty ?? null,
    value: body.value ?? null,
    effectiveDate: body.effectiveDate ?? null,
    endDate: body.endDate ?? null,
    tags: body.tags ?? [],
    metadata: body.metadata ?? {},
  };
}

/** A JSON create body; `title` is required here (there is no file to name it after). */
export function parseCreateJson(body: unknown): NewContractInput & { title: string } {
  if (body === undefined) {
    throw new AppError("VALIDATION_ERROR", "Send a JSON body or multipart/form-data", [
      { path: "body", message: "is required (application/json or multipart/form-data)" },
    ]);
  }
  const parsed = parseInput(createBody, body, "body");
  if (parsed.title === undefined) {
    throw new AppError("VALIDATION_ERROR", "Invalid body", [
      { path: "body.title", message: "is required" },
    ]);
  }
  return { ...withDefaults(parsed), title: parsed.title };
}

export function parseUpdate(body: unknown): Partial<ContractFields> {
  return parseInput(updateBody, body ?? {}, "body");
}

function parseJsonField(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new AppError("VALIDATION_ERROR", "Invalid form field", [
      { path: `body.${name}`, message: "is not valid JSON" },
    ]);
  }
}

/**
 * The same fields as the JSON body, sent as form fields next to the file: plain text fields as
 * they are; `tags` as repeated fields, a JSON array or a comma-separated list; `value` as JSON or
 * as `value.amount` and `value.currency`; `metadata` as JSON.
 */
export function parseCreateForm(form: Map<string, string[]>): NewContractInput {
  const body: Record<string, unknown> = {};
  const unknownFields: string[] = [];
  for (const [name, values] of form) {
    const last = values[values.length - 1]!;
    switch (name) {
      case "title":
      case "counterparty":
      case "status":
      case "effectiveDate":
      case "endDate":
        body[name] = last;
        break;
      case "tags":
      case "tags[]":
        body.tags = [
          ...((body.tags as string[] | undefined) ?? []),
          ...values.flatMap((v) =>
            v.trim().startsWith("[") ? (parseJsonField("tags", v) as string[]) : v.split(","),
          ),
        ];
        break;
      case "value":
      case "metadata":
        body[name] = parseJsonField(name, last);
        break;
      case "value.amount":
      case "value[amount]":
        body.value = { ...(body.value as object), amount: Number(last) };
        break;
      case "value.currency":
      case "value[currency]":
        body.value = { ...(body.value as object), currency: last };
        break;
      default:
        unknownFields.push(name);
    }
  }
  if (unknownFields.length > 0) {
    throw new AppError(
      "VALIDATION_ERROR",
      "Invalid body",
      unknownFields.map((name) => ({ path: `body.${name}`, message: "is not a known field" })),
    );
  }
  if (Array.isArray(body.tags)) {
    body.tags = (body.tags as unknown[])
      .map((t) => (typeof t === "string" ? t.trim() : t))
      .filter((t) => t !== "");
  }
  return withDefaults(parseInput(createBody, body, "body"));
}
