/** Paging and ordering as the list endpoints take them (see @clment/http's query helpers). */
export interface ListPage {
  skip: number;
  take: number;
}

export interface SortOrder<F extends string> {
  field: F;
  descending: boolean;
}

/** Escapes `%`, `_` and `\` so user text matches literally inside an ILIKE pattern. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
