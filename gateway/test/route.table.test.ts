import { describe, expect, it } from "@jest/globals";
import { compileRoutes } from "../src/route.table.js";

const match = compileRoutes();
const route = (path: string) => match(path.split("/").filter(Boolean));

describe("the route table", () => {
  it.each([
    ["/v1/auth/signup", "settings", "public"],
    ["/v1/auth/login", "settings", "public"],
    ["/v1/auth/accept-invite", "settings", "public"],
    ["/v1/auth/sso/start", "settings", "public"],
    ["/v1/auth/sso/callback", "settings", "public"],
    ["/v1/auth/logout", "settings", "authenticated"],
    ["/v1/me", "settings", "authenticated"],
    ["/v1/settings/api-keys", "settings", "settings"],
    ["/v1/settings", "settings", "settings"],
    ["/v1/settings/billing", "credits", "settings"],
    ["/v1/settings/billing/ledger", "credits", "settings"],
    ["/v1/contracts", "contracts", "authenticated"],
    ["/v1/contracts/42/document", "contracts", "authenticated"],
    ["/v1/contracts/42/reviews", "review", "authenticated"],
    ["/v1/contracts/42/conversions", "review", "authenticated"],
    ["/v1/contracts/42/key-dates", "contracts", "authenticated"],
    ["/v1/key-dates/1/reminders", "contracts", "authenticated"],
    ["/v1/reminders", "contracts", "authenticated"],
    ["/v1/search", "contracts", "authenticated"],
    ["/v1/playbooks/clause-types", "review", "authenticated"],
    ["/v1/reviews/1/findings", "review", "authenticated"],
    ["/v1/redlines/1/document", "review", "authenticated"],
    ["/v1/conversions/1", "review", "authenticated"],
    ["/v1/credits", "credits", "authenticated"],
  ])("sends %s to %s (%s)", (path, upstream, access) => {
    expect(route(path)).toMatchObject({ upstream, access });
  });

  it.each([
    "/",
    "/v1",
    "/v1/unknown",
    "/v1/contractsx",
    "/v1/settingsx",
    "/internal/v1/credentials/verify",
    "/v2/contracts",
  ])("has no route for %s", (path) => {
    expect(route(path)).toBeUndefined();
  });
});
