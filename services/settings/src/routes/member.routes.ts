import { Router } from "express";
import { ROLES } from "@clment/auth";
import { parseInput } from "@clment/http";
import { z } from "zod";
import type { MemberService } from "../domain/member.service.js";
import { callerOf, email, idParam, listOptions, personName } from "./request.js";

const role = z.enum(ROLES);
export const inviteBody = z.strictObject({ email, name: personName, role });
export const changeRoleBody = z.strictObject({ role });

export function memberRoutes(members: MemberService): Router {
  const router = Router();
  router.get("/v1/settings/members", async (req, res) => {
    res.json({ data: await members.list(callerOf(res), listOptions(req)) });
  });
  router.post("/v1/settings/members", async (req, res) => {
    const body = parseInput(inviteBody, req.body, "body");
    // The answer carries a secret shown once: never stored for idempotent replay, never cached.
    res.set("Cache-Control", "no-store");
    res.status(201).json({ data: await members.invite(callerOf(res), body) });
  });
  router.patch("/v1/settings/members/:id", async (req, res) => {
    const id = idParam(req, "Member");
    const body = parseInput(changeRoleBody, req.body, "body");
    res.json({ data: { member: await members.changeRole(callerOf(res), id, body.role) } });
  });
  router.delete("/v1/settings/members/:id", async (req, res) => {
    res.json({ data: await members.remove(callerOf(res), idParam(req, "Member")) });
  });
  return router;
}
