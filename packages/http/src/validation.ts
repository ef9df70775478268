import { z } from "zod";
import { AppError, type ErrorDetail } from "./errors.js";

export function zodDetails(error: z.ZodError, where?: string): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].filter(Boolean).join("."),
    message: issue.message,
  }));
}

/** Parses `value` with `schema` or throws a 400 VALIDATION_ERROR listing every problem. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new AppError("VALIDATION_ERROR", `Invalid ${where}`, zodDetails(parsed.error, where));
  }
  return parsed.data;
}

/** A query integer: digits only, so "1.5", "-1", "1e3" and "" are rejected. */
function queryInt(defaultValue: number, min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, "must be a non-negative integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((v) => v ?? defaultValue);
}

export const MAX_PAGE_SIZE = 100;

/**
 * `skip` and `take` of a list. Strict, like every list query built on it (`extend` keeps that):
 * a parameter the list does not know is a 400 naming it, not silently ignored (a misspelt
 * `limit=50` must not quietly return 20 rows).
 */
export const paginationQuery = z.strictObject({
  skip: queryInt(0, 0, Number.MAX_SAFE_INTEGER),
  take: queryInt(20, 1, MAX_PAGE_SIZE),
});

export type Pagination = z.output<typeof paginationQuery>;

/**
 * `sort` takes a field name, `-field` for descending, restricted to the fields a list allows.
 * Default: newest first (`-createdAt`), or the list's own default.
 */
export function sortQuery<const F extends readonly [string, ...string[]]>(
  fields: F,
  defaultSort = "-createdAt",
) {
  const allowed = fields.flatMap((f) => [f, `-${f}`]) as [string, ...string[]];
  return z
    .enum(allowed)
    .optional()
    .transform((value) => {
      const raw = value ?? defaultSort;
      const descending = raw.startsWith("-");
      return { field: (descending ? raw.slice(1) : raw) as F[number], descending };
    })
    .describe(
      `A field name to sort by ascending, \`-field\` for descending (default \`${defaultSort}\`).`,
    );
}

/** The query of a list: paging, `sort` (restricted to `sortFields`) and its filters; strict. */
export function listQuery<const F extends readonly [string, ...string[]], S extends z.ZodRawShape>(
  sortFields: F,
  filters: S,
  defaultSort?: string,
) {
  return paginationQuery.extend({ sort: sortQuery(sortFields, defaultSort), ...filters });
}

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

/** Runs the `total` and page queries of a list together. */
export async function page<T>(
  rows: Promise<T[]>,
  total: Promise<number>,
): Promise<{ items: T[]; total: number }> {
  const [items, count] = await Promise.all([rows, total]);
  return { items, total: count };
}
