import type { Express } from "express";
import { parseInput } from "@clment/http";
import { z } from "zod";
import { CONVERSION_FORMATS } from "../documents/conversion.renderers.js";
import type { ReviewServices } from "../service.js";
import { callerOf, sendDownload } from "./request.js";

export const conversionBody = z.object({ format: z.enum(CONVERSION_FORMATS) }).strict();
export const redlineBody = z.object({}).strict();

/** Redlines and conversions: queued like reviews, downloaded when done. */
export function documentRoutes(app: Express, { redlines, conversions }: ReviewServices): void {
  app.post("/v1/reviews/:id/redlines", async (req, res) => {
    parseInput(redlineBody, req.body, "body");
    const redline = await redlines.request(callerOf(res), req.params.id);
    res.status(202).json({ data: { redline } });
  });

  app.get("/v1/redlines/:id", async (req, res) => {
    res.json({ data: { redline: await redlines.get(callerOf(res), req.params.id) } });
  });

  app.get("/v1/redlines/:id/document", async (req, res) => {
    sendDownload(res, await redlines.download(callerOf(res), req.params.id));
  });

  app.post("/v1/contracts/:id/conversions", async (req, res) => {
    const input = parseInput(conversionBody, req.body, "body");
    const conversion = await conversions.request(callerOf(res), req.params.id, input);
    res.status(202).json({ data: { conversion } });
  });

  app.get("/v1/conversions/:id", async (req, res) => {
    res.json({ data: { conversion: await conversions.get(callerOf(res), req.params.id) } });
  });

  app.get("/v1/conversions/:id/document", async (req, res) => {
    sendDownload(res, await conversions.download(callerOf(res), req.params.id));
  });
}
