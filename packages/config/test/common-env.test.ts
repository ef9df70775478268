import { describe, expect, it } from "@jest/globals";
import { commonEnv, ConfigError, loadConfig, z } from "@clment/config";

const schema = z.object(commonEnv);
const secret = "s".repeat(40);

describe("commonEnv", () => {
  it("reads the accepted identity secrets as a trimmed list, empty by default", () => {
    expect(
      loadConfig(schema, { REGION: "eu", IDENTITY_SECRET: secret }).IDENTITY_ACCEPTED_SECRETS,
    ).toEqual([]);
    const accepted = ` ${"a".repeat(32)} ,${"b".repeat(40)},`;
    expect(
      loadConfig(schema, {
        REGION: "eu",
        IDENTITY_SECRET: secret,
        IDENTITY_ACCEPTED_SECRETS: accepted,
      }).IDENTITY_ACCEPTED_SECRETS,
    ).toEqual(["a".repeat(32), "b".repeat(40)]);
  });

  it("refuses a short accepted secret and names the variable, without echoing it", () => {
    const load = () =>
      loadConfig(schema, {
        REGION: "eu",
        IDENTITY_SECRET: secret,
        IDENTITY_ACCEPTED_SECRETS: "too-short",
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/IDENTITY_ACCEPTED_SECRETS/);
    expect(load).not.toThrow(/too-short/);
  });
});
