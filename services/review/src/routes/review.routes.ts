import type { Express } from "express";
import { enumList, listQuery, parseInput } from "@clment/http";
import { z } from "zod";
import { FINDING_SORT_FIELDS } from "../data/finding.repository.js";
import { REVIEW_SORT_FIELDS } from "../data/review.repository.js";
import { SEVERITIES } from "../engine/playbook.rules.js";
import { FINDING_STATUSES } from "../engine/review.types.js";
import type { ReviewServices } from "../service.js";
import { callerOf, uuid } from "./request.js";

export const JOB_STATUSES = ["queued", "running", "completed", "failed"] as const;

export const requestBody = z.object({ playbookId: uuid }).strict();

export const listReviewsQuery = listQuery(REVIEW_SORT_FIELDS, {
  contractId: uuid.optional(),
  status: enumList(JOB_STATUSES),
});

/** Findings in the document's order by default (`position`), or by severity (`-severity`: high first). */
export const findingsQuery = listQuery(
  FINDING_SORT_FIELDS,
  { severity: enumList(SEVERITIES), status: enumList(FINDING_STATUSES) },
  "position",
);

export function reviewRoutes(app: Express, { reviews }: ReviewServices): void {
  app.post("/v1/contracts/:id/reviews", async (req, res) => {
    const input = parseInput(requestBody, req.body, "body");
    const review = await reviews.request(callerOf(res), req.params.id, input);
    res.status(202).json({ data: { review } });
  });

  app.get("/v1/reviews", async (req, res) => {
    const { skip, take, sort, ...filters } = parseInput(listReviewsQuery, req.query, "query");
    res.json({ data: await reviews.list(callerOf(res), filters, sort, { skip, take }) });
  });

  app.get("/v1/reviews/:id", async (req, res) => {
    res.json({ data: { review: await reviews.get(callerOf(res), req.params.id) } });
  });

  app.get("/v1/reviews/:id/findings", async (req, res) => {
    const { skip, take, sort, ...filters } = parseInput(findingsQuery, req.query, "query");
    res.json({
      data: await reviews.findings(callerOf(res), req.params.id, filters, sort, { skip, take }),
    });
  });
}
