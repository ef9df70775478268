import { Router, type RequestHandler } from "express";
import { identityOf, INTERNAL_ROUTES } from "@clment/auth";
import { AppError, parseInput } from "@clment/http";
import { z } from "zod";
import type { CredentialService } from "../domain/credential.service.js";
import { uuid } from "./request.js";

const verifyBody = z.strictObject({
  kind: z.enum(["api_key", "session"]),
  hash: z.string().regex(/^[0-9a-f]{64}$/, "must be a lower-case hex SHA-256"),
});

const touchBody = z.strictObject({
  usages: z
    .array(
      z.strictObject({
        id: uuid,
        lastUsedAt: z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
      }),
    )
    .max(10_000),
});

/**
 * The runtime already requires an identity on /internal; these routes answer other processes
 * of the region only, never a key or a session that got an identity from the gateway.
 */
const servicesOnly: RequestHandler = (_req, res, next) => {
  if (identityOf(res.locals).principal.type !== "service") throw new AppError("UNAUTHORIZED");
  next();
};

/** What the gateway asks: is this credential good, and when were keys last used. */
export function internalRoutes(credentials: CredentialService): Router {
  const router = Router();
  router.use("/internal", servicesOnly);
  router.post(INTERNAL_ROUTES.verifyCredential, async (req, res) => {
    const { kind, hash } = parseInput(verifyBody, req.body, "body");
    res.json({ data: await credentials.verify(kind, hash) });
  });
  router.post(INTERNAL_ROUTES.touchApiKeys, async (req, res) => {
    const { usages } = parseInput(touchBody, req.body, "body");
    await credentials.touchApiKeys(usages);
    res.status(204).end();
  });
  return router;
}
