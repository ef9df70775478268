import { randomUUID } from "node:crypto";
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type Region = "us" | "eu" | "au";
export type ErrorCode = components["schemas"]["ErrorCode"];

export const REGION_BASE_URLS: Record<Region, string> = {
  us: "https://us.clment.com",
  eu: "https://eu.clment.com",
  au: "https://au.clment.com",
};

export interface ClmentOptions {
  /** An API key (`clm_sk_live_...`) or a session token. */
  apiKey?: string;
  /** The region your organization lives in (its production base URL)... */
  region?: Region;
  /** ...or a base URL, e.g. http://localhost:7200 (with or without the trailing `/v1`). */
  baseUrl?: string;
  /** Retries on 429 and 503 (default 3); 0 turns retrying off. */
  maxRetries?: number;
  /** The longest wait between two attempts, in ms (default 30 s). */
  maxRetryDelayMs?: number;
  /** The fetch to use (the global one by default). */
  fetch?: (request: Request) => Promise<Response>;
}

export interface ErrorDetail {
  path: string;
  message: string;
}

/** An error answer of the API: its stable `code`, HTTP `status` and request id. */
export class ClmentError extends Error {
  constructor(
    readonly code: ErrorCode | "NETWORK_ERROR",
    message: string,
    readonly status: number,
    readonly requestId: string | undefined,
    readonly details: ErrorDetail[] | undefined,
  ) {
    super(message);
    this.name = "ClmentError";
  }

  static async from(response: Response): Promise<ClmentError> {
    let body: {
      error?: { code?: string; message?: string; requestId?: string; details?: ErrorDetail[] };
    } = {};
    try {
      body = (await response.clone().json()) as typeof body;
    } catch {
      // Not the envelope (a proxy in between?): the status says enough.
    }
    const requestId = response.headers.get("x-request-id") ?? body.error?.requestId;
    return new ClmentError(
      (body.error?.code ?? (response.status >= 500 ? "INTERNAL_ERROR" : "NOT_FOUND")) as ErrorCode,
      body.error?.message ?? `HTTP ${response.status}`,
      response.status,
      requestId,
      body.error?.details,
    );
  }
}

const RETRIABLE = new Set([429, 503]);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How long to wait before attempt `attempt + 1`: Retry-After if given, else exponential with jitter. */
export function retryDelayMs(response: Response, attempt: number, maxMs: number): number {
  const header = response.headers.get("retry-after");
  if (header !== null) {
    const seconds = Number(header);
    const ms = Number.isFinite(seconds)
      ? seconds * 1000
      : Math.max(0, new Date(header).getTime() - Date.now());
    if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), maxMs);
  }
  const base = Math.min(250 * 2 ** attempt, maxMs);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/**
 * The fetch the client sends through: a POST gets an `Idempotency-Key` (one per logical call,
 * the same on each of its retries), and 429/503 answers are retried with backoff.
 */
export function retryingFetch(
  base: (request: Request) => Promise<Response>,
  maxRetries: number,
  maxDelayMs: number,
): (request: Request) => Promise<Response> {
  return async (input) => {
    let request = input;
    if (request.method === "POST" && !request.headers.has("idempotency-key")) {
      const headers = new Headers(request.headers);
      headers.set("Idempotency-Key", randomUUID());
      request = new Request(request, { headers });
    }
    for (let attempt = 0; ; attempt++) {
      const response = await base(attempt < maxRetries ? request.clone() : request);
      if (!RETRIABLE.has(response.status) || attempt >= maxRetries) return response;
      await response.body?.cancel();
      await sleep(retryDelayMs(response, attempt, maxDelayMs));
    }
  };
}

const throwOnError: Middleware = {
  async onResponse({ response }) {
    if (!response.ok) throw await ClmentError.from(response);
    return undefined;
  },
};

export interface Page {
  skip: number;
  take: number;
}

export interface UploadOptions {
  file: Blob | Buffer | Uint8Array;
  filename: string;
  /** Defaults from the file name's extension when the file is not a Blob with a type. */
  contentType?: string;
}

export type Contract = components["schemas"]["Contract"];

/**
 * The Clment API client. `clm.GET/POST/PUT/PATCH/DELETE` are typed from the OpenAPI document
 * (paths, parameters, bodies and answers); an error answer throws a `ClmentError`.
 */
export class Clment {
  readonly baseUrl: string;
  readonly api: Client<paths>;

  constructor(options: ClmentOptions) {
    const root = options.baseUrl ?? (options.region ? REGION_BASE_URLS[options.region] : undefined);
    if (!root) throw new TypeError("Give a region (us, eu, au) or a baseUrl");
    this.baseUrl = root.replace(/\/+$/, "").replace(/\/v1$/, "");
    const base = options.fetch ?? ((request: Request) => fetch(request));
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      fetch: retryingFetch(base, options.maxRetries ?? 3, options.maxRetryDelayMs ?? 30_000),
      headers: options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {},
    });
    this.api.use(throwOnError);
  }

  get GET() {
    return this.api.GET;
  }
  get POST() {
    return this.api.POST;
  }
  get PUT() {
    return this.api.PUT;
  }
  get PATCH() {
    return this.api.PATCH;
  }
  get DELETE() {
    return this.api.DELETE;
  }

  /** The `data` of a call's envelope (calls that answer without a body are errors already). */
  async data<T>(call: Promise<{ data?: T }>): Promise<T extends { data: infer D } ? D : T> {
    const { data } = await call;
    const body = data as { data?: unknown } | undefined;
    return (body && typeof body === "object" && "data" in body ? body.data : body) as never;
  }

  /** Every item of a list, page by page (skip/take), as an async iterator. */
  async *paginate<Item>(
    loadPage: (page: Page) => Promise<{ items: Item[]; total: number }>,
    pageSize = 100,
  ): AsyncGenerator<Item> {
    for (let skip = 0; ; skip += pageSize) {
      const { items, total } = await loadPage({ skip, take: pageSize });
      yield* items;
      if (items.length === 0 || skip + items.length >= total) return;
    }
  }

  /** Uploads a contract with its document (multipart), with any of the JSON fields as form fields. */
  async uploadContract(
    upload: UploadOptions,
    fields: {
      title?: string;
      counterparty?: string;
      status?: Contract["status"];
      tags?: string[];
    } & {
      value?: { amount: number; currency: string };
      effectiveDate?: string;
      endDate?: string;
      metadata?: Record<string, unknown>;
    } = {},
  ): Promise<Contract> {
    const form = multipartForm(upload);
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      form.append(name, typeof value === "string" ? value : JSON.stringify(value));
    }
    const { data } = await this.api.POST("/v1/contracts", {
      body: {} as never,
      bodySerializer: () => form,
    });
    return data!.data.contract;
  }

  /** Uploads a new version of a contract's document. */
  async uploadDocument(contractId: string, upload: UploadOptions) {
    const { data } = await this.api.PUT("/v1/contracts/{id}/document", {
      params: { path: { id: contractId } },
      body: {} as never,
      bodySerializer: () => multipartForm(upload),
    });
    return data!.data;
  }
}

const TYPES: Record<string, string> = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  txt: "text/plain",
};

function multipartForm({ file, filename, contentType }: UploadOptions): FormData {
  const extension = filename.split(".").pop()?.toLowerCase() ?? "";
  const type = contentType ?? (file instanceof Blob ? file.type : TYPES[extension]) ?? "";
  const blob =
    file instanceof Blob && !contentType
      ? file
      : new Blob([file instanceof Blob ? file : new Uint8Array(file)], { type });
  const form = new FormData();
  form.append("file", blob, filename);
  return form;
}
