import { AppError } from "@clment/http";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** An id from a path: anything that is not a UUID cannot exist, so it is 404 like any other. */
export function resourceId(value: string | undefined, what = "Not found"): string {
  if (!value || !isUuid(value)) throw new AppError("NOT_FOUND", what);
  return value.toLowerCase();
}
