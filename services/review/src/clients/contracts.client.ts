import { IDENTITY_HEADER, serviceIdentity, type IdentityTokens } from "@clment/auth";
import { AppError, isErrorCode } from "@clment/http";

/** What the review service needs to know about a contract. */
export interface ContractInfo {
  id: string;
  title: string;
  document: {
    version: number;
    filename: string;
    mimeType: string;
    extraction?: "pending" | "completed" | "failed";
  } | null;
}

/** The text of a contract's current document version; null until extraction completes. */
export interface ContractText {
  text: string | null;
  version: number;
  extraction: "pending" | "completed" | "failed";
}

/** The contracts service's internal routes (served by services/contracts, routes/internal.routes.ts). */
export const CONTRACTS_INTERNAL_ROUTES = {
  contract: (id: string) => `/internal/v1/contracts/${encodeURIComponent(id)}`,
  text: (id: string) => `/internal/v1/contracts/${encodeURIComponent(id)}/text`,
} as const;

/** How the review service reads contracts; an interface so tests can start the real service. */
export interface ContractsPort {
  /** The contract, or null when it does not exist in the organization. */
  contract(organizationId: string, contractId: string): Promise<ContractInfo | null>;
  /** The extracted text of the current document version; NOT_FOUND when there is none. */
  text(organizationId: string, contractId: string): Promise<ContractText>;
}

export interface ContractsClientOptions {
  baseUrl: string;
  tokens: IdentityTokens;
  timeoutMs?: number;
}

/** Calls the contracts service of the region, signing as the review service for one organization. */
export class ContractsClient implements ContractsPort {
  constructor(private readonly options: ContractsClientOptions) {}

  async contract(organizationId: string, contractId: string): Promise<ContractInfo | null> {
    try {
      const body = await this.get<{ contract: ContractInfo }>(
        organizationId,
        CONTRACTS_INTERNAL_ROUTES.contract(contractId),
      );
      return body.contract;
    } catch (error) {
      if (error instanceof AppError && error.code === "NOT_FOUND") return null;
      throw error;
    }
  }

  async text(organizationId: string, contractId: string): Promise<ContractText> {
    return this.get<ContractText>(organizationId, CONTRACTS_INTERNAL_ROUTES.text(contractId));
  }

  private async get<T>(organizationId: string, path: string): Promise<T> {
    const token = await this.options.tokens.sign(
      serviceIdentity("review", this.options.tokens.region, organizationId),
    );
    let response: Response;
    try {
      response = await fetch(this.options.baseUrl + path, {
        headers: { [IDENTITY_HEADER]: token },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch {
      throw new AppError("SERVICE_UNAVAILABLE", "The contracts service is unavailable");
    }
    const payload = (await response.json().catch(() => undefined)) as
      { data?: T; error?: { code?: unknown; message?: string } } | undefined;
    if (response.ok && payload?.data) return payload.data;
    const code = payload?.error?.code;
    if (response.status < 500 && isErrorCode(code))
      throw new AppError(code, payload?.error?.message);
    throw new AppError("SERVICE_UNAVAILABLE", "The contracts service is unavailable");
  }
}
