/**
 * The credits service's internal API, as other services of the region call it. The credits
 * service serves these routes and the client below calls them; both take the paths and shapes
 * from here.
 */
export const CREDIT_OPERATIONS = ["review", "redline", "conversion"] as const;
export type CreditOperation = (typeof CREDIT_OPERATIONS)[number];

export const CREDITS_INTERNAL_ROUTES = {
  reserve: "/internal/v1/credits/reservations",
  capture: "/internal/v1/credits/reservations/:id/capture",
  release: "/internal/v1/credits/reservations/:id/release",
} as const;

/** A route of `CREDITS_INTERNAL_ROUTES` with its `:id` filled in. */
export function reservationPath(route: string, reservationId: string): string {
  return route.replace(":id", encodeURIComponent(reservationId));
}

export interface ReserveCreditsInput {
  organizationId: string;
  /** Credits to hold, e.g. the price of the operation from `GET /v1/credits`. */
  amount: number;
  operation: CreditOperation;
  /** The resource the credits pay for (a review id, a conversion id). */
  resourceId: string;
  /**
   * Makes the reservation happen once: the same key again returns the first reservation
   * (whatever its status) and reserves nothing; with a different amount, operation or resource
   * it is 409 IDEMPOTENCY_KEY_REUSED.
   */
  idempotencyKey: string;
  /** How long the hold lasts before it is released unless captured; the service default if absent. */
  ttlSeconds?: number;
}

export type ReservationStatus = "pending" | "captured" | "released" | "expired";

export interface Reservation {
  id: string;
  organizationId: string;
  amount: number;
  operation: CreditOperation;
  resourceId: string;
  idempotencyKey: string;
  status: ReservationStatus;
  /** Where the credits came from: the period's allowance first, then packs, oldest first. */
  allocation: { allowance: number; packs: { packId: string; amount: number }[] };
  expiresAt: string;
  createdAt: string;
  capturedAt: string | null;
  releasedAt: string | null;
}
