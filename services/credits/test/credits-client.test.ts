import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { CreditsClient } from "@clment/credits-client";
import { AppError } from "@clment/http";
import { freePort } from "@clment/testing";
import { balanceOf, newOrganizationId, startCredits, type CreditsHarness } from "./harness.js";

let credits: CreditsHarness;
let client: CreditsClient;

beforeAll(async () => {
  credits = await startCredits();
  client = new CreditsClient({ baseUrl: credits.url, tokens: credits.tokens, service: "review" });
});

afterAll(async () => {
  await credits.close();
});

describe("CreditsClient", () => {
  it("reserves, captures and releases for another service", async () => {
    const org = newOrganizationId();
    const input = {
      organizationId: org,
      amount: 10,
      operation: "review" as const,
      resourceId: randomUUID(),
      idempotencyKey: `review:${randomUUID()}`,
    };
    const reservation = await client.reserve(input);
    expect(reservation).toMatchObject({ status: "pending", amount: 10, organizationId: org });
    expect((await client.reserve(input)).id).toBe(reservation.id);
    expect((await client.capture(org, reservation.id)).status).toBe("captured");

    const other = await client.reserve({ ...input, idempotencyKey: randomUUID() });
    expect((await client.release(org, other.id)).status).toBe("released");
    expect(await balanceOf(credits, org)).toMatchObject({ total: 90 });
  });

  it("turns 402 into AppError INSUFFICIENT_CREDITS", async () => {
    const org = newOrganizationId();
    const attempt = client.reserve({
      organizationId: org,
      amount: 1_000,
      operation: "conversion",
      resourceId: randomUUID(),
      idempotencyKey: randomUUID(),
    });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ code: "INSUFFICIENT_CREDITS", status: 402 });
  });

  it("reports an unreachable credits service as SERVICE_UNAVAILABLE", async () => {
    const nowhere = new CreditsClient({
      baseUrl: `http://127.0.0.1:${await freePort()}`,
      tokens: credits.tokens,
      service: "review",
    });
    await expect(nowhere.release(newOrganizationId(), randomUUID())).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
    });
  });
});
