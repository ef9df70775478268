import type { Express } from "express";
import { enumList, listQuery, parseInput } from "@clment/http";
import { z } from "zod";
import { KEY_DATE_SORT_FIELDS } from "../data/key-date.repository.js";
import type { ContractsServices } from "../service.js";
import { callerOf, isoDate, uuidFilter } from "./request.js";

export const KEY_DATE_KINDS = [
  "effective",
  "renewal",
  "expiration",
  "notice",
  "payment",
  "custom",
] as const;

export const listKeyDates = listQuery(KEY_DATE_SORT_FIELDS, {
  contractId: uuidFilter.optional(),
  kind: enumList(KEY_DATE_KINDS),
  status: z.enum(["suggested", "confirmed"]).optional(),
  source: z.enum(["manual", "extracted"]).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});

const title = z.string().trim().min(1).max(200);
const description = z.string().trim().max(2000).nullable();

export const createBody = z.strictObject({
  kind: z.enum(KEY_DATE_KINDS),
  date: isoDate,
  title,
  description: description.optional(),
});

export const updateBody = z.strictObject({
  kind: z.enum(KEY_DATE_KINDS).optional(),
  date: isoDate.optional(),
  title: title.optional(),
  description: description.optional(),
  /** A suggestion is confirmed; a confirmed date stays confirmed. */
  status: z.literal("confirmed").optional(),
});

export const reminderBody = z.strictObject({
  daysBefore: z.number().int().min(0).max(3650),
  channels: z
    .array(z.enum(["webhook", "email"]))
    .min(1)
    .transform((list) => [...new Set(list)]),
  recipients: z
    .array(z.email("must be an email").max(254))
    .max(50)
    .transform((list) => [...new Set(list)])
    .optional()
    .describe(
      "Who gets the email channel's message: addresses of the organization's members (others are not emailed). Without any member among them, the organization's owners and admins.",
    ),
});

export function keyDateRoutes(app: Express, { keyDates, reminders }: ContractsServices) {
  app.get("/v1/key-dates", async (req, res) => {
    const { skip, take, sort, ...filters } = parseInput(listKeyDates, req.query, "query");
    res.json({ data: await keyDates.list(callerOf(res), filters, sort, { skip, take }) });
  });

  app.post("/v1/contracts/:id/key-dates", async (req, res) => {
    const body = parseInput(createBody, req.body, "body");
    const keyDate = await keyDates.create(callerOf(res), req.params.id, body);
    res.status(201).json({ data: { keyDate } });
  });

  app.get("/v1/key-dates/:id", async (req, res) => {
    res.json({ data: { keyDate: await keyDates.get(callerOf(res), req.params.id) } });
  });

  app.patch("/v1/key-dates/:id", async (req, res) => {
    const changes = parseInput(updateBody, req.body ?? {}, "body");
    res.json({ data: { keyDate: await keyDates.update(callerOf(res), req.params.id, changes) } });
  });

  app.delete("/v1/key-dates/:id", async (req, res) => {
    res.json({ data: await keyDates.delete(callerOf(res), req.params.id) });
  });

  app.post("/v1/key-dates/:id/reminders", async (req, res) => {
    const body = parseInput(reminderBody, req.body, "body");
    const reminder = await reminders.create(callerOf(res), req.params.id, {
      daysBefore: body.daysBefore,
      channels: body.channels,
      recipients: body.recipients ?? [],
    });
    res.status(201).json({ data: { reminder } });
  });
}
