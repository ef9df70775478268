import type { Express } from "express";
import { listQuery, parseInput } from "@clment/http";
import { z } from "zod";
import { REMINDER_SORT_FIELDS } from "../data/reminder.repository.js";
import type { ContractsServices } from "../service.js";
import { callerOf, uuidFilter } from "./request.js";

export const listReminders = listQuery(REMINDER_SORT_FIELDS, {
  status: z.enum(["scheduled", "sent", "cancelled"]).optional(),
  keyDateId: uuidFilter.optional(),
  contractId: uuidFilter.optional(),
});

export function reminderRoutes(app: Express, { reminders }: ContractsServices) {
  app.get("/v1/reminders", async (req, res) => {
    const { skip, take, sort, ...filters } = parseInput(listReminders, req.query, "query");
    res.json({ data: await reminders.list(callerOf(res), filters, sort, { skip, take }) });
  });

  app.get("/v1/reminders/:id", async (req, res) => {
    res.json({ data: { reminder: await reminders.get(callerOf(res), req.params.id) } });
  });

  app.delete("/v1/reminders/:id", async (req, res) => {
    res.json({ data: { reminder: await reminders.cancel(callerOf(res), req.params.id) } });
  });
}
