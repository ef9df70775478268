import type { Express } from "express";
import { enumList, paginationQuery, parseInput } from "@clment/http";
import { z } from "zod";
import { SEARCH_TYPES } from "../data/search.repository.js";
import type { ContractsServices } from "../service.js";
import { callerOf } from "./request.js";

export const searchQuery = paginationQuery.extend({
  q: z.string().trim().min(1, "is required").max(500),
  types: enumList(SEARCH_TYPES),
});

export function searchRoutes(app: Express, { search }: ContractsServices) {
  app.get("/v1/search", async (req, res) => {
    const { q, types, skip, take } = parseInput(searchQuery, req.query, "query");
    res.json({
      data: await search.search(callerOf(res), q, types ?? SEARCH_TYPES, { skip, take }),
    });
  });
}
