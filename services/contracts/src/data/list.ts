import type { SelectQueryBuilder } from "kysely";

/** Paging and ordering as the list endpoints take them (see @clment/http's query helpers). */
export interface ListPage {
  skip: number;
  take: number;
}

export interface SortOrder<F extends string> {
  field: F;
  descending: boolean;
}

/**
 * One page of a list: `rows` (the filtered query, selected and ordered) from `page.skip`, at
 * most `page.take` of them, and how many rows `filtered` matches in all.
 */
export async function pageOf<DB, TB extends keyof DB, O>(
  filtered: SelectQueryBuilder<DB, TB, object>,
  rows: SelectQueryBuilder<DB, TB, O>,
  page: ListPage,
): Promise<{ rows: O[]; total: number }> {
  const [items, count] = await Promise.all([
    rows.offset(page.skip).limit(page.take).execute(),
    filtered
      .select((eb) => eb.fn.countAll().as("total"))
      .$castTo<{ total: number | string | bigint }>()
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: items, total: Number(count.total) };
}

/**
 * One page of a list in the order asked for, by `column` and then by id in the same direction:
 * rows that tie on `column` keep one order, so no page repeats or skips any of them.
 */
export function sortedPageOf<DB, TB extends keyof DB, O extends { id: string }>(
  filtered: SelectQueryBuilder<DB, TB, object>,
  selected: SelectQueryBuilder<DB, TB, O>,
  column: keyof O & string,
  sort: { descending: boolean },
  page: ListPage,
): Promise<{ rows: O[]; total: number }> {
  const direction = sort.descending ? "desc" : "asc";
  return pageOf(filtered, selected.orderBy(column, direction).orderBy("id", direction), page);
}

/** Escapes `%`, `_` and `\` so user text matches literally inside an ILIKE pattern. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
