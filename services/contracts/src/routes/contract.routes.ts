import type { Express } from "express";
import { enumList, listQuery, parseInput } from "@clment/http";
import { z } from "zod";
import { CONTRACT_SORT_FIELDS } from "../data/contract.repository.js";
import type { ContractsServices } from "../service.js";
import {
  CONTRACT_STATUSES,
  parseCreateForm,
  parseCreateJson,
  parseUpdate,
} from "./contract.input.js";
import { isMultipart, readMultipart } from "./multipart.js";
import { callerOf } from "./request.js";

export const listContracts = listQuery(CONTRACT_SORT_FIELDS, {
  status: enumList(CONTRACT_STATUSES),
  counterparty: z.string().trim().min(1).max(500).optional(),
  tag: z.string().trim().min(1).max(64).optional(),
  q: z.string().trim().min(1).max(500).optional(),
});

export function contractRoutes(app: Express, { contracts, blobs, app: shared }: ContractsServices) {
  app.get("/v1/contracts", async (req, res) => {
    const { skip, take, sort, ...filters } = parseInput(listContracts, req.query, "query");
    res.json({ data: await contracts.list(callerOf(res), filters, sort, { skip, take }) });
  });

  app.post("/v1/contracts", async (req, res) => {
    const identity = callerOf(res);
    if (!isMultipart(req)) {
      const contract = await contracts.create(identity, parseCreateJson(req.body));
      res.status(201).json({ data: { contract } });
      return;
    }
    const form = await readMultipart(req, res, {
      stagingDir: blobs.stagingDir,
      maxFileBytes: shared.settings.maxUploadBytes,
    });
    try {
      const fields = parseCreateForm(form.fields);
      const contract = await contracts.create(identity, fields, form.file ?? undefined);
      res.status(201).json({ data: { contract } });
    } finally {
      await form.file?.discard();
    }
  });

  app.get("/v1/contracts/:id", async (req, res) => {
    res.json({ data: { contract: await contracts.get(callerOf(res), req.params.id) } });
  });

  app.patch("/v1/contracts/:id", async (req, res) => {
    const identity = callerOf(res);
    const changes = parseUpdate(req.body);
    const contract =
      Object.keys(changes).length === 0
        ? await contracts.get(identity, req.params.id)
        : await contracts.update(identity, req.params.id, changes);
    res.json({ data: { contract } });
  });

  app.delete("/v1/contracts/:id", async (req, res) => {
    res.json({ data: await contracts.delete(callerOf(res), req.params.id) });
  });
}
