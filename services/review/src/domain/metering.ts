import type { CreditOperation, CreditsClient } from "@clment/credits-client";
import { AppError } from "@clment/http";

/** Credits for AI work: reserved before it is queued, captured when done, released on failure. */
export interface Metering {
  price(operation: CreditOperation): number;
  /** Holds the price of the operation for `resourceId`; 402 INSUFFICIENT_CREDITS when short. */
  reserve(
    organizationId: string,
    operation: CreditOperation,
    resourceId: string,
  ): Promise<{ reservationId: string; amount: number }>;
  capture(organizationId: string, reservationId: string): Promise<void>;
  release(organizationId: string, reservationId: string): Promise<void>;
}

/**
 * How long the credits service holds a reservation: long enough for a job and its retries. An
 * unused hold goes back by itself after that, and can no longer be captured.
 */
export const RESERVATION_HOLD_MS = 60 * 60_000;

/** Metering through the credits service of the region. */
export class CreditsMetering implements Metering {
  constructor(
    private readonly credits: Pick<CreditsClient, "reserve" | "capture" | "release">,
    private readonly prices: Record<CreditOperation, number>,
  ) {}

  price(operation: CreditOperation): number {
    return this.prices[operation];
  }

  async reserve(organizationId: string, operation: CreditOperation, resourceId: string) {
    const amount = this.price(operation);
    const reservation = await this.credits.reserve({
      organizationId,
      amount,
      operation,
      resourceId,
      // The resource id makes the reservation happen once, whatever retries happen around it.
      idempotencyKey: `${operation}:${resourceId}`,
      ttlSeconds: RESERVATION_HOLD_MS / 1000,
    });
    if (reservation.status !== "pending") {
      throw new AppError("CONFLICT", "The credits for this operation were already settled");
    }
    return { reservationId: reservation.id, amount };
  }

  async capture(organizationId: string, reservationId: string): Promise<void> {
    await this.credits.capture(organizationId, reservationId);
  }

  async release(organizationId: string, reservationId: string): Promise<void> {
    await this.credits.release(organizationId, reservationId);
  }
}
