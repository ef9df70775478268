import type { Response } from "express";
import { identityOf, type Identity } from "@clment/auth";
import { paginationQuery, sortQuery } from "@clment/http";
import { z } from "zod";

/** The caller, as the gateway vouched for it. */
export function callerOf(res: Response): Identity {
  return identityOf(res.locals);
}

/** The query schema of a list: paging, sort (restricted to `sortFields`) and its filters. */
export function listSchema<const F extends readonly [string, ...string[]], S extends z.ZodRawShape>(
  sortFields: F,
  filters: S,
) {
  return z.object({ ...paginationQuery.shape, sort: sortQuery(sortFields), ...filters });
}

/** A calendar date, `YYYY-MM-DD`, that exists. */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD")
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
  }, "must be a real calendar date");

/** A query filter that takes one value or a comma-separated list of allowed values. */
export function enumList<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .string()
    .transform((raw) =>
      raw
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)).min(1, `must be one or more of ${values.join(", ")}`))
    .optional();
}

export const uuidFilter = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a UUID");
