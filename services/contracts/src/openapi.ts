import {
  dateSchema,
  deletedEnvelope,
  envelope,
  idSchema,
  listEnvelope,
  named,
  operations,
  timestamp,
  type OperationDoc,
} from "@clment/openapi";
import { versionsQuery } from "./routes/document.routes.js";
import { z } from "zod";
import { CONTRACT_STATUSES, createBody, updateBody } from "./routes/contract.input.js";
import { listContracts } from "./routes/contract.routes.js";
import {
  createBody as keyDateCreateBody,
  KEY_DATE_KINDS,
  listKeyDates,
  reminderBody,
  updateBody as keyDateUpdateBody,
} from "./routes/key-date.routes.js";
import { listReminders } from "./routes/reminder.routes.js";
import { searchQuery } from "./routes/search.routes.js";
import { SEARCH_TYPES } from "./data/search.repository.js";

const extraction = z.enum(["pending", "completed", "failed"]);

const document = named(
  "ContractDocument",
  z.object({
    versionId: idSchema,
    filename: z.string(),
    mimeType: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    version: z.number().int(),
    extraction,
    uploadedAt: timestamp,
  }),
);

const contract = named(
  "Contract",
  z.object({
    id: idSchema,
    title: z.string(),
    status: z.enum(CONTRACT_STATUSES),
    counterparty: z.string().nullable(),
    value: z.object({ amount: z.number(), currency: z.string() }).nullable(),
    effectiveDate: dateSchema.nullable(),
    endDate: dateSchema.nullable(),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    document: document.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
);

const version = named(
  "DocumentVersion",
  z.object({
    id: idSchema,
    contractId: idSchema,
    version: z.number().int(),
    filename: z.string(),
    mimeType: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    extraction,
    createdAt: timestamp,
  }),
);

const keyDate = named(
  "KeyDate",
  z.object({
    id: idSchema,
    contractId: idSchema,
    kind: z.enum(KEY_DATE_KINDS),
    date: dateSchema,
    title: z.string(),
    description: z.string().nullable(),
    source: z.enum(["manual", "extracted"]),
    status: z.enum(["suggested", "confirmed"]),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
);

const reminder = named(
  "Reminder",
  z.object({
    id: idSchema,
    keyDateId: idSchema,
    contractId: idSchema,
    daysBefore: z.number().int(),
    channels: z.array(z.enum(["webhook", "email"])),
    recipients: z.array(z.string()),
    fireAt: timestamp,
    status: z.enum(["scheduled", "sent", "cancelled"]),
    sentAt: timestamp.nullable(),
    cancelledAt: timestamp.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
);

const searchResult = named(
  "SearchResult",
  z.object({
    type: z.enum(SEARCH_TYPES),
    id: idSchema,
    title: z.string(),
    snippet: z.string(),
    score: z.number(),
    contractId: idSchema.optional(),
  }),
);

/** `GET /v1/search`: a list whose total is counted exactly only up to 1,000 matches. */
const searchResults = z.object({
  data: z.object({
    results: z.array(searchResult),
    total: z
      .number()
      .int()
      .min(0)
      .describe(
        "How many results match: exact up to 1,000 matches, an estimate beyond (then `totalIsExact` is false).",
      ),
    totalIsExact: z
      .boolean()
      .optional()
      .describe(
        "`false` when `total` is an estimate (more than 1,000 matches); absent when it is exact.",
      ),
  }),
});

const file = z
  .string()
  .meta({ format: "binary", contentMediaType: "application/octet-stream" })
  .describe("The document: PDF, DOCX or plain text (checked by content), at most 25 MiB");

/** The multipart form of `POST /v1/contracts`: the JSON fields as form fields, and the file. */
const createForm = z.object({
  file,
  title: z.string().optional().describe("Defaults to the file name"),
  counterparty: z.string().optional(),
  status: z.enum(CONTRACT_STATUSES).optional(),
  value: z.string().optional().describe('JSON, e.g. {"amount":1000,"currency":"EUR"}'),
  effectiveDate: dateSchema.optional(),
  endDate: dateSchema.optional(),
  tags: z.string().optional().describe("Comma-separated, a JSON array, or repeated fields"),
  metadata: z.string().optional().describe("A JSON object"),
});

const workspace = { access: "authenticated" } as const;

/** Every public route of the contracts service, with the schemas it validates with. */
export function contractsOperations(): OperationDoc[] {
  return operations([
    {
      ...workspace,
      tag: "Contracts",
      method: "get",
      path: "/v1/contracts",
      operationId: "listContracts",
      summary: "List contracts",
      query: listContracts,
      responses: [
        { status: 200, description: "Contracts", schema: listEnvelope("contracts", contract) },
      ],
    },
    {
      ...workspace,
      tag: "Contracts",
      method: "post",
      path: "/v1/contracts",
      operationId: "createContract",
      summary: "Create a contract, from JSON fields or a multipart upload with its document",
      body: createBody,
      multipart: createForm,
      bodyRequired: true,
      responses: [{ status: 201, description: "The contract", schema: envelope({ contract }) }],
    },
    {
      ...workspace,
      tag: "Contracts",
      method: "get",
      path: "/v1/contracts/:id",
      operationId: "getContract",
      summary: "A contract",
      responses: [{ status: 200, description: "The contract", schema: envelope({ contract }) }],
    },
    {
      ...workspace,
      tag: "Contracts",
      method: "patch",
      path: "/v1/contracts/:id",
      operationId: "updateContract",
      summary: "Change a contract's fields",
      body: updateBody,
      responses: [{ status: 200, description: "The contract", schema: envelope({ contract }) }],
    },
    {
      ...workspace,
      tag: "Contracts",
      method: "delete",
      path: "/v1/contracts/:id",
      operationId: "deleteContract",
      summary: "Delete a contract",
      responses: [{ status: 200, description: "Deleted", schema: deletedEnvelope }],
    },
    {
      ...workspace,
      tag: "Documents",
      method: "put",
      path: "/v1/contracts/:id/document",
      operationId: "uploadContractDocument",
      summary: "Upload a new version of the contract's document",
      multipart: z.object({ file }),
      bodyRequired: true,
      responses: [
        {
          status: 201,
          description: "The contract and the new version",
          schema: envelope({ contract, version }),
        },
      ],
    },
    {
      ...workspace,
      tag: "Documents",
      method: "get",
      path: "/v1/contracts/:id/document",
      operationId: "downloadContractDocument",
      summary: "The current document: original bytes with their Content-Type",
      responses: [{ status: 200, description: "The file", binary: true }],
    },
    {
      ...workspace,
      tag: "Documents",
      method: "get",
      path: "/v1/contracts/:id/versions",
      operationId: "listContractVersions",
      summary: "Every version of the contract's document",
      query: versionsQuery,
      responses: [
        { status: 200, description: "Versions", schema: listEnvelope("versions", version) },
      ],
    },
    {
      ...workspace,
      tag: "Documents",
      method: "get",
      path: "/v1/contracts/:id/text",
      operationId: "getContractText",
      summary: "The extracted text of the current document",
      errors: ["CONFLICT"],
      responses: [{ status: 200, description: "The text", schema: envelope({ text: z.string() }) }],
    },
    {
      ...workspace,
      tag: "Key dates",
      method: "get",
      path: "/v1/key-dates",
      operationId: "listKeyDates",
      summary: "List key dates",
      query: listKeyDates,
      responses: [
        { status: 200, description: "Key dates", schema: listEnvelope("keyDates", keyDate) },
      ],
    },
    {
      ...workspace,
      tag: "Key dates",
      method: "post",
      path: "/v1/contracts/:id/key-dates",
      operationId: "createKeyDate",
      summary: "Add a key date to a contract",
      body: keyDateCreateBody,
      responses: [{ status: 201, description: "The key date", schema: envelope({ keyDate }) }],
    },
    {
      ...workspace,
      tag: "Key dates",
      method: "get",
      path: "/v1/key-dates/:id",
      operationId: "getKeyDate",
      summary: "A key date",
      responses: [{ status: 200, description: "The key date", schema: envelope({ keyDate }) }],
    },
    {
      ...workspace,
      tag: "Key dates",
      method: "patch",
      path: "/v1/key-dates/:id",
      operationId: "updateKeyDate",
      summary: "Change or confirm a key date (its reminders move with it)",
      body: keyDateUpdateBody,
      errorNotes: {
        CONFLICT:
          "the contract already has a key date of that kind on that date taken from its document",
      },
      responses: [{ status: 200, description: "The key date", schema: envelope({ keyDate }) }],
    },
    {
      ...workspace,
      tag: "Key dates",
      method: "delete",
      path: "/v1/key-dates/:id",
      operationId: "deleteKeyDate",
      summary: "Delete a key date (its reminders are cancelled)",
      responses: [{ status: 200, description: "Deleted", schema: deletedEnvelope }],
    },
    {
      ...workspace,
      tag: "Key dates",
      method: "post",
      path: "/v1/key-dates/:id/reminders",
      operationId: "createReminder",
      summary: "Schedule a reminder before a key date",
      body: reminderBody,
      responses: [{ status: 201, description: "The reminder", schema: envelope({ reminder }) }],
    },
    {
      ...workspace,
      tag: "Key dates",
      method: "get",
      path: "/v1/reminders",
      operationId: "listReminders",
      summary: "List reminders",
      query: listReminders,
      responses: [
        { status: 200, description: "Reminders", schema: listEnvelope("reminders", reminder) },
      ],
    },
    {
      ...workspace,
      tag: "Key dates",
      method: "get",
      path: "/v1/reminders/:id",
      operationId: "getReminder",
      summary: "A reminder",
      responses: [{ status: 200, description: "The reminder", schema: envelope({ reminder }) }],
    },
    {
      ...workspace,
      tag: "Key dates",
      method: "delete",
      path: "/v1/reminders/:id",
      operationId: "cancelReminder",
      summary: "Cancel a reminder (one already cancelled is answered as it is)",
      errorNotes: { CONFLICT: "the reminder was already sent" },
      responses: [
        { status: 200, description: "The cancelled reminder", schema: envelope({ reminder }) },
      ],
    },
    {
      ...workspace,
      tag: "Search",
      method: "get",
      path: "/v1/search",
      operationId: "search",
      summary: "Search contracts, playbooks and findings, ranked by relevance",
      description:
        "Results are ranked and paged within the best 200 matches: `skip + take` above 200 is 400 VALIDATION_ERROR (narrow the query instead). `total` counts every match, exactly up to 1,000.",
      query: searchQuery,
      responses: [{ status: 200, description: "Results", schema: searchResults }],
    },
  ]);
}
