import type { Express } from "express";
import { requireService, type IdentityTokens } from "@clment/auth";
import { AppError } from "@clment/http";
import type { ContractsServices } from "../service.js";
import { callerOf } from "./request.js";

/**
 * What other services of the region ask the contracts service (the review service: a contract,
 * its document and its extracted text). Service identities only; the organization is the one
 * the calling service signed for, so another organization's contract is 404 here too.
 */
export function internalRoutes(
  app: Express,
  { contracts, documents }: ContractsServices,
  tokens: IdentityTokens,
): void {
  const serviceOnly = requireService(tokens);

  app.get("/internal/v1/contracts/:id", serviceOnly, async (req, res) => {
    res.json({ data: { contract: await contracts.get(callerOf(res), String(req.params.id)) } });
  });

  /** The current version's text, with its version and extraction state (text null until done). */
  app.get("/internal/v1/contracts/:id/text", serviceOnly, async (req, res) => {
    const identity = callerOf(res);
    const contract = await contracts.get(identity, String(req.params.id));
    if (!contract.document) throw new AppError("NOT_FOUND", "This contract has no document");
    const { version, extraction } = contract.document;
    const text = extraction === "completed" ? await documents.text(identity, contract.id) : null;
    res.json({ data: { text, version, extraction } });
  });
}
