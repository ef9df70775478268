import {
  deletedEnvelope,
  envelope,
  idSchema,
  listEnvelope,
  named,
  operations,
  timestamp,
  type OperationDoc,
} from "@clment/openapi";
import { z } from "zod";
import { CONVERSION_FORMATS } from "./documents/conversion.renderers.js";
import { CLAUSE_TYPE_IDS } from "./engine/clause-types.js";
import { REQUIREMENTS, SEVERITIES } from "./engine/playbook.rules.js";
import { FINDING_STATUSES } from "./engine/review.types.js";
import { conversionBody, redlineBody } from "./routes/document.routes.js";
import {
  createBody as playbookCreateBody,
  listPlaybooksQuery,
  updateBody as playbookUpdateBody,
} from "./routes/playbook.routes.js";
import {
  findingsQuery,
  JOB_STATUSES,
  listReviewsQuery,
  requestBody,
} from "./routes/review.routes.js";

const jobStatus = z.enum(JOB_STATUSES);
const credits = z.object({ amount: z.number().int(), charged: z.boolean(), released: z.boolean() });
const jobError = z.unknown().describe("Why the job failed (null unless failed)");

const rule = named(
  "PlaybookRule",
  z.object({
    id: z.string(),
    title: z.string(),
    clauseType: z.enum(CLAUSE_TYPE_IDS),
    requirement: z.enum(REQUIREMENTS),
    severity: z.enum(SEVERITIES),
    parameters: z.record(z.string(), z.unknown()),
    preferredText: z.string().nullable(),
    fallbackText: z.string().nullable(),
  }),
);

const playbook = named(
  "Playbook",
  z.object({
    id: idSchema,
    name: z.string(),
    description: z.string(),
    builtIn: z.boolean(),
    rules: z.array(rule),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
);

const clauseType = named(
  "ClauseType",
  z.object({
    id: z.enum(CLAUSE_TYPE_IDS),
    title: z.string(),
    description: z.string(),
    parameters: z.record(z.string(), z.unknown()).describe("JSON Schema of the parameters"),
  }),
);

const statusCounts = z.object(
  Object.fromEntries(FINDING_STATUSES.map((s) => [s, z.number().int()])) as Record<
    (typeof FINDING_STATUSES)[number],
    z.ZodNumber
  >,
);

const review = named(
  "Review",
  z.object({
    id: idSchema,
    contractId: idSchema,
    playbookId: idSchema,
    playbookName: z.string(),
    status: jobStatus,
    summary: z
      .object({
        total: z.number().int(),
        byStatus: statusCounts,
        bySeverity: z.object(
          Object.fromEntries(SEVERITIES.map((s) => [s, statusCounts])) as Record<
            (typeof SEVERITIES)[number],
            typeof statusCounts
          >,
        ),
      })
      .nullable(),
    error: jobError,
    provider: z.string(),
    model: z.string().nullable(),
    documentVersion: z.number().int().nullable(),
    usage: z.unknown(),
    credits,
    attempts: z.number().int(),
    createdAt: timestamp,
    updatedAt: timestamp,
    startedAt: timestamp.nullable(),
    completedAt: timestamp.nullable(),
  }),
);

const finding = named(
  "Finding",
  z.object({
    id: idSchema,
    reviewId: idSchema,
    ruleId: z.string(),
    ruleTitle: z.unknown(),
    clauseType: z.enum(CLAUSE_TYPE_IDS),
    status: z.enum(FINDING_STATUSES),
    severity: z.enum(SEVERITIES),
    excerpt: z.string().nullable(),
    location: z.object({ start: z.number().int(), end: z.number().int() }),
    explanation: z.string(),
    suggestion: z.string().nullable(),
    differences: z.unknown(),
    confidence: z.unknown(),
    createdAt: timestamp,
  }),
);

const generatedDocument = z
  .object({
    filename: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    mimeType: z.string(),
  })
  .nullable();

const redline = named(
  "Redline",
  z.object({
    id: idSchema,
    reviewId: idSchema,
    contractId: idSchema,
    status: jobStatus,
    changes: z.number().int().nullable(),
    document: generatedDocument,
    error: jobError,
    credits,
    createdAt: timestamp,
    updatedAt: timestamp,
    completedAt: timestamp.nullable(),
  }),
);

const conversion = named(
  "Conversion",
  z.object({
    id: idSchema,
    contractId: idSchema,
    format: z.enum(CONVERSION_FORMATS),
    status: jobStatus,
    sourceVersion: z.number().int().nullable(),
    document: generatedDocument,
    error: jobError,
    credits,
    createdAt: timestamp,
    updatedAt: timestamp,
    completedAt: timestamp.nullable(),
  }),
);

const workspace = { access: "authenticated" } as const;
const ai = ["INSUFFICIENT_CREDITS", "CONFLICT"] as const;

/** Every public route of the review service, with the schemas it validates with. */
export function reviewOperations(): OperationDoc[] {
  return operations([
    {
      ...workspace,
      tag: "Playbooks",
      method: "get",
      path: "/v1/playbooks/clause-types",
      operationId: "listClauseTypes",
      summary: "The clause-type catalogue and each type's parameters",
      responses: [
        {
          status: 200,
          description: "Clause types",
          schema: listEnvelope("clauseTypes", clauseType),
        },
      ],
    },
    {
      ...workspace,
      tag: "Playbooks",
      method: "get",
      path: "/v1/playbooks",
      operationId: "listPlaybooks",
      summary: "List playbooks (the built-in standard one included)",
      query: listPlaybooksQuery,
      responses: [
        { status: 200, description: "Playbooks", schema: listEnvelope("playbooks", playbook) },
      ],
    },
    {
      ...workspace,
      tag: "Playbooks",
      method: "post",
      path: "/v1/playbooks",
      operationId: "createPlaybook",
      summary: "Create a playbook, or copy one (copyFrom)",
      body: playbookCreateBody,
      responses: [{ status: 201, description: "The playbook", schema: envelope({ playbook }) }],
    },
    {
      ...workspace,
      tag: "Playbooks",
      method: "get",
      path: "/v1/playbooks/:id",
      operationId: "getPlaybook",
      summary: "A playbook",
      responses: [{ status: 200, description: "The playbook", schema: envelope({ playbook }) }],
    },
    {
      ...workspace,
      tag: "Playbooks",
      method: "patch",
      path: "/v1/playbooks/:id",
      operationId: "updatePlaybook",
      summary: "Change a playbook (not the built-in one)",
      body: playbookUpdateBody,
      errors: ["CONFLICT"],
      responses: [{ status: 200, description: "The playbook", schema: envelope({ playbook }) }],
    },
    {
      ...workspace,
      tag: "Playbooks",
      method: "delete",
      path: "/v1/playbooks/:id",
      operationId: "deletePlaybook",
      summary: "Delete a playbook (not the built-in one)",
      errors: ["CONFLICT"],
      responses: [{ status: 200, description: "Deleted", schema: deletedEnvelope }],
    },
    {
      ...workspace,
      tag: "Reviews",
      method: "post",
      path: "/v1/contracts/:id/reviews",
      operationId: "createReview",
      summary: "Review a contract against a playbook (AI: consumes credits)",
      body: requestBody,
      errors: [...ai],
      responses: [{ status: 202, description: "The queued review", schema: envelope({ review }) }],
    },
    {
      ...workspace,
      tag: "Reviews",
      method: "get",
      path: "/v1/reviews",
      operationId: "listReviews",
      summary: "List reviews",
      query: listReviewsQuery,
      responses: [{ status: 200, description: "Reviews", schema: listEnvelope("reviews", review) }],
    },
    {
      ...workspace,
      tag: "Reviews",
      method: "get",
      path: "/v1/reviews/:id",
      operationId: "getReview",
      summary: "A review, with a summary of its findings once completed",
      responses: [{ status: 200, description: "The review", schema: envelope({ review }) }],
    },
    {
      ...workspace,
      tag: "Reviews",
      method: "get",
      path: "/v1/reviews/:id/findings",
      operationId: "listFindings",
      summary: "The findings of a review",
      query: findingsQuery,
      responses: [
        { status: 200, description: "Findings", schema: listEnvelope("findings", finding) },
      ],
    },
    {
      ...workspace,
      tag: "Redlines",
      method: "post",
      path: "/v1/reviews/:id/redlines",
      operationId: "createRedline",
      summary: "Redline a contract from a completed review (AI: consumes credits)",
      body: redlineBody,
      bodyRequired: false,
      errors: [...ai],
      responses: [
        { status: 202, description: "The queued redline", schema: envelope({ redline }) },
      ],
    },
    {
      ...workspace,
      tag: "Redlines",
      method: "get",
      path: "/v1/redlines/:id",
      operationId: "getRedline",
      summary: "A redline",
      responses: [{ status: 200, description: "The redline", schema: envelope({ redline }) }],
    },
    {
      ...workspace,
      tag: "Redlines",
      method: "get",
      path: "/v1/redlines/:id/document",
      operationId: "downloadRedline",
      summary: "The redlined DOCX (Word tracked changes)",
      errors: ["CONFLICT"],
      responses: [{ status: 200, description: "The DOCX", binary: true }],
    },
    {
      ...workspace,
      tag: "Conversions",
      method: "post",
      path: "/v1/contracts/:id/conversions",
      operationId: "createConversion",
      summary: "Convert a contract's document to PDF, DOCX or text (consumes credits)",
      body: conversionBody,
      errors: [...ai],
      responses: [
        { status: 202, description: "The queued conversion", schema: envelope({ conversion }) },
      ],
    },
    {
      ...workspace,
      tag: "Conversions",
      method: "get",
      path: "/v1/conversions/:id",
      operationId: "getConversion",
      summary: "A conversion",
      responses: [{ status: 200, description: "The conversion", schema: envelope({ conversion }) }],
    },
    {
      ...workspace,
      tag: "Conversions",
      method: "get",
      path: "/v1/conversions/:id/document",
      operationId: "downloadConversion",
      summary: "The converted document",
      errors: ["CONFLICT"],
      responses: [{ status: 200, description: "The file", binary: true }],
    },
  ]);
}
