import { describe, expect, it } from "@jest/globals";
import { ConfigError } from "@clment/config";
import { loadGatewayConfig } from "../src/config.js";

const required = {
  REGION: "eu",
  IDENTITY_SECRET: "s".repeat(40),
  SETTINGS_URL: "http://127.0.0.1:1",
  CONTRACTS_URL: "http://127.0.0.1:2",
  REVIEW_URL: "http://127.0.0.1:3",
  CREDITS_URL: "http://127.0.0.1:4",
};

describe("gateway configuration", () => {
  it("multiplies the credential limits by plan, 1 for starter, 4 for team, 20 for enterprise", () => {
    expect(loadGatewayConfig(required).rateLimits.planMultipliers).toEqual({
      starter: 1,
      team: 4,
      enterprise: 20,
    });
    const custom = loadGatewayConfig({
      ...required,
      RATE_LIMIT_PLAN_MULTIPLIERS: " team:2.5 , enterprise:10 ",
    });
    expect(custom.rateLimits.planMultipliers).toEqual({ team: 2.5, enterprise: 10 });
  });

  it("refuses a multiplier list it cannot read, naming the variable", () => {
    for (const bad of ["team", "team:0", "team:-1", "team:x", "Team:2"]) {
      const load = () => loadGatewayConfig({ ...required, RATE_LIMIT_PLAN_MULTIPLIERS: bad });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/RATE_LIMIT_PLAN_MULTIPLIERS/);
    }
  });

  it("trusts no proxy unless told how many hops to trust", () => {
    expect(loadGatewayConfig(required).TRUST_PROXY_HOPS).toBe(0);
    expect(loadGatewayConfig({ ...required, TRUST_PROXY_HOPS: "1" }).TRUST_PROXY_HOPS).toBe(1);
  });

  it("refuses a hop count that is not a small whole number, naming the variable", () => {
    for (const bad of ["-1", "1.5", "one", "11"]) {
      const load = () => loadGatewayConfig({ ...required, TRUST_PROXY_HOPS: bad });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/TRUST_PROXY_HOPS/);
    }
  });

  it("limits logins per email across IPs above the per IP and email limit by default", () => {
    const { rateLimits } = loadGatewayConfig(required);
    expect(rateLimits.loginPerEmailPerMinute).toBe(30);
    expect(rateLimits.loginPerEmailPerMinute).toBeGreaterThan(rateLimits.loginPerIpEmailPerMinute);
    const custom = loadGatewayConfig({ ...required, RATE_LIMIT_LOGIN_PER_EMAIL_PER_MINUTE: "7" });
    expect(custom.rateLimits.loginPerEmailPerMinute).toBe(7);
    const load = () =>
      loadGatewayConfig({ ...required, RATE_LIMIT_LOGIN_PER_EMAIL_PER_MINUTE: "0" });
    expect(load).toThrow(/RATE_LIMIT_LOGIN_PER_EMAIL_PER_MINUTE/);
  });
});
