import { z } from "zod";

/**
 * Building blocks of response schemas. A schema given an `id` (`named`) becomes a component
 * (`#/components/schemas/<id>`) of the OpenAPI document; everything else is inlined.
 */
export function named<S extends z.ZodType>(id: string, schema: S, description?: string): S {
  return schema.meta({ id, ...(description && { description }) });
}

export const idSchema = z.uuid();
export const timestamp = z.iso.datetime();
/** A calendar date, `YYYY-MM-DD`. */
export const dateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** `{ data: { ...shape } }`: the success envelope. */
export function envelope<S extends z.ZodRawShape>(shape: S) {
  return z.object({ data: z.object(shape) });
}

/** `{ data: { <plural>: [...], total } }`: a list. */
export function listEnvelope<T extends z.ZodType>(plural: string, item: T) {
  return z.object({ data: z.object({ [plural]: z.array(item), total: z.number().int().min(0) }) });
}

/** `{ data: { id, deleted: true } }`. */
export const deletedEnvelope = envelope({ id: idSchema, deleted: z.literal(true) });

export const errorDetail = z.object({ path: z.string(), message: z.string() });
