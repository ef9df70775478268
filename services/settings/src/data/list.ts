import type { Pagination } from "@clment/http";

/** The lists of this service sort by creation time only: newest first unless asked. */
export interface ListOptions extends Pagination {
  descending: boolean;
}

export interface ListPage<T> {
  items: T[];
  total: number;
}
