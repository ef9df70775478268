/** Paging and ordering as the list endpoints take them (see @clment/http's query helpers). */
export interface ListPage {
  skip: number;
  take: number;
}

export interface SortOrder<F extends string> {
  field: F;
  descending: boolean;
}
