import type { Express } from "express";
import { paginationQuery, parseInput } from "@clment/http";
import { z } from "zod";
import { REVIEW_SORT_FIELDS } from "../data/review.repository.js";
import { SEVERITIES } from "../engine/playbook.rules.js";
import { FINDING_STATUSES } from "../engine/review.types.js";
import type { ReviewServices } from "../service.js";
import { callerOf, enumList, listSchema, uuid } from "./request.js";

export const JOB_STATUSES = ["queued", "running", "completed", "failed"] as const;

export const requestBody = z.object({ playbookId: uuid }).strict();

export const listQuery = listSchema(REVIEW_SORT_FIELDS, {
  contractId: uuid.optional(),
  status: enumList(JOB_STATUSES),
});

export const findingsQuery = z
  .object({
    ...paginationQuery.shape,
    severity: enumList(SEVERITIES),
    status: enumList(FINDING_STATUSES),
  })
  .strict();

export function reviewRoutes(app: Express, { reviews }: ReviewServices): void {
  app.post("/v1/contracts/:id/reviews", async (req, res) => {
    const input = parseInput(requestBody, req.body, "body");
    const review = await reviews.request(callerOf(res), req.params.id, input);
    res.status(202).json({ data: { review } });
  });

  app.get("/v1/reviews", async (req, res) => {
    const { skip, take, sort, ...filters } = parseInput(listQuery, req.query, "query");
    res.json({ data: await reviews.list(callerOf(res), filters, sort, { skip, take }) });
  });

  app.get("/v1/reviews/:id", async (req, res) => {
    res.json({ data: { review: await reviews.get(callerOf(res), req.params.id) } });
  });

  app.get("/v1/reviews/:id/findings", async (req, res) => {
    const { skip, take, ...filters } = parseInput(findingsQuery, req.query, "query");
    res.json({
      data: await reviews.findings(callerOf(res), req.params.id, filters, { skip, take }),
    });
  });
}
