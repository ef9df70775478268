import type { Express } from "express";
import { listQuery, parseInput } from "@clment/http";
import { z } from "zod";
import { PLAYBOOK_SORT_FIELDS } from "../data/playbook.repository.js";
import type { ReviewServices } from "../service.js";
import { clauseTypeCatalogue } from "../engine/clause-types.js";
import { rulesInput } from "../engine/playbook.rules.js";
import { callerOf, uuid } from "./request.js";

const name = z.string().trim().min(1).max(200);
const description = z.string().trim().max(2_000);

export const createBody = z
  .object({
    name: name.optional(),
    description: description.optional(),
    rules: rulesInput.optional(),
    copyFrom: uuid.optional(),
  })
  .strict();

export const updateBody = z
  .object({
    name: name.optional(),
    description: description.optional(),
    rules: rulesInput.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, "give at least one of name, description, rules");

export const listPlaybooksQuery = listQuery(PLAYBOOK_SORT_FIELDS, {});

export function playbookRoutes(app: Express, { playbooks }: ReviewServices): void {
  const catalogue = clauseTypeCatalogue();
  app.get("/v1/playbooks/clause-types", (_req, res) => {
    res.json({ data: { clauseTypes: catalogue, total: catalogue.length } });
  });

  app.get("/v1/playbooks", async (req, res) => {
    const { skip, take, sort } = parseInput(listPlaybooksQuery, req.query, "query");
    res.json({ data: await playbooks.list(callerOf(res), sort, { skip, take }) });
  });

  app.post("/v1/playbooks", async (req, res) => {
    const playbook = await playbooks.create(
      callerOf(res),
      parseInput(createBody, req.body, "body"),
    );
    res.status(201).json({ data: { playbook } });
  });

  app.get("/v1/playbooks/:id", async (req, res) => {
    res.json({ data: { playbook: await playbooks.get(callerOf(res), req.params.id) } });
  });

  app.patch("/v1/playbooks/:id", async (req, res) => {
    const changes = parseInput(updateBody, req.body, "body");
    res.json({ data: { playbook: await playbooks.update(callerOf(res), req.params.id, changes) } });
  });

  app.delete("/v1/playbooks/:id", async (req, res) => {
    res.json({ data: await playbooks.delete(callerOf(res), req.params.id) });
  });
}
