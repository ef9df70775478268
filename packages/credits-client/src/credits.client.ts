import { IDENTITY_HEADER, serviceIdentity, type IdentityTokens } from "@clment/auth";
import { AppError, isErrorCode } from "@clment/http";
import {
  CREDITS_INTERNAL_ROUTES,
  reservationPath,
  type Reservation,
  type ReserveCreditsInput,
} from "./credits.contract.js";

export interface CreditsClientOptions {
  /** The credits service of this region, e.g. http://127.0.0.1:7104. */
  baseUrl: string;
  /** The region's identity tokens: the client signs as `service`. */
  tokens: IdentityTokens;
  /** The calling service's name, e.g. `review`. */
  service: string;
  timeoutMs?: number;
}

/**
 * Reserve, capture and release credits from another service of the region. Errors come back as
 * AppError with the credits service's code (402 INSUFFICIENT_CREDITS, 404 NOT_FOUND, 409
 * CONFLICT / IDEMPOTENCY_KEY_REUSED); an unreachable or failing credits service is
 * SERVICE_UNAVAILABLE.
 */
export class CreditsClient {
  constructor(private readonly options: CreditsClientOptions) {}

  async reserve(input: ReserveCreditsInput): Promise<Reservation> {
    return this.post(input.organizationId, CREDITS_INTERNAL_ROUTES.reserve, input);
  }

  /** Makes a reservation final: the work completed. Capturing twice is fine. */
  async capture(organizationId: string, reservationId: string): Promise<Reservation> {
    return this.post(
      organizationId,
      reservationPath(CREDITS_INTERNAL_ROUTES.capture, reservationId),
      {
        organizationId,
      },
    );
  }

  /** Gives the credits back: the work failed or was cancelled. Releasing twice is fine. */
  async release(organizationId: string, reservationId: string): Promise<Reservation> {
    return this.post(
      organizationId,
      reservationPath(CREDITS_INTERNAL_ROUTES.release, reservationId),
      {
        organizationId,
      },
    );
  }

  private async post(organizationId: string, path: string, body: unknown): Promise<Reservation> {
    const token = await this.options.tokens.sign(
      serviceIdentity(this.options.service, this.options.tokens.region, organizationId),
    );
    let response: Response;
    try {
      response = await fetch(this.options.baseUrl + path, {
        method: "POST",
        headers: { "content-type": "application/json", [IDENTITY_HEADER]: token },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
    } catch {
      throw new AppError("SERVICE_UNAVAILABLE");
    }
    const payload = (await response.json().catch(() => undefined)) as
      | { data?: { reservation?: Reservation }; error?: { code?: unknown; message?: string } }
      | undefined;
    if (response.ok && payload?.data?.reservation) return payload.data.reservation;
    const code = payload?.error?.code;
    if (response.status < 500 && isErrorCode(code)) {
      throw new AppError(code, payload?.error?.message);
    }
    throw new AppError("SERVICE_UNAVAILABLE");
  }
}
