import { describe, expect, it } from "@jest/globals";
import { generateSessionToken, SessionCookies, wantsSessionCookies } from "@clment/auth";

const SECRET = "s".repeat(40);
const OLD_SECRET = "o".repeat(40);

describe("session cookies", () => {
  const https = new SessionCookies({ publicBaseUrl: "https://eu.clment.com/v1", secret: SECRET });
  const local = new SessionCookies({ publicBaseUrl: "http://localhost:7200/v1", secret: SECRET });

  it("are Secure and __Host- prefixed on an https region, plain and named by port over http", () => {
    const token = generateSessionToken();
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const [session, csrf] = https.issue({ token, expiresAt });
    expect(session).toMatch(
      new RegExp(
        `^__Host-clment_session=${token}; Path=/; Max-Age=(3599|3600); HttpOnly; Secure; SameSite=Strict$`,
      ),
    );
    expect(csrf).toMatch(
      /^__Host-clment_csrf=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; Secure; SameSite=Strict$/,
    );
    expect(https.origin).toBe("https://eu.clment.com");

    const [plain, plainCsrf] = local.issue({ token, expiresAt });
    expect(plain).toMatch(/^clment_session_7200=.*; HttpOnly; SameSite=Strict$/);
    expect(plain).not.toContain("Secure");
    expect(plainCsrf).toMatch(/^clment_csrf_7200=/);
    expect(plainCsrf).not.toContain("HttpOnly");
    expect(local.clear()).toEqual([
      "clment_session_7200=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
      "clment_csrf_7200=; Path=/; Max-Age=0; SameSite=Strict",
    ]);
  });

  it("bind the CSRF value to the session and the region's secret, and accept rotated secrets", () => {
    const token = generateSessionToken();
    const csrf = https.csrfToken(token);
    expect(https.csrfMatches(token, csrf)).toBe(true);
    expect(https.csrfMatches(generateSessionToken(), csrf)).toBe(false);
    for (const wrong of [undefined, "", "x", csrf.slice(0, -1), `${csrf}=`, [csrf, csrf]]) {
      expect(https.csrfMatches(token, wrong)).toBe(false);
    }
    const other = new SessionCookies({
      publicBaseUrl: "https://eu.clment.com/v1",
      secret: OLD_SECRET,
    });
    expect(https.csrfMatches(token, other.csrfToken(token))).toBe(false);
    const rotating = new SessionCookies({
      publicBaseUrl: "https://eu.clment.com/v1",
      secret: SECRET,
      acceptedSecrets: [OLD_SECRET],
    });
    expect(rotating.csrfMatches(token, other.csrfToken(token))).toBe(true);
    expect(rotating.csrfToken(token)).toBe(csrf);
  });

  it("find the session cookie among others in a Cookie header", () => {
    expect(https.sessionTokenOf("a=1; __Host-clment_session=abc; b=2")).toBe("abc");
    expect(https.sessionTokenOf("__Host-clment_session_x=abc")).toBeUndefined();
    expect(https.sessionTokenOf("clment_session=abc")).toBeUndefined();
    expect(https.sessionTokenOf(undefined)).toBeUndefined();
    expect(local.sessionTokenOf("clment_session_7100=a; clment_session_7200=b")).toBe("b");
  });

  it("bind a single sign-on to the browser with a third HttpOnly cookie, named by the same rules", () => {
    expect(https.issueSsoBinding("v4lue", 600)).toBe(
      "__Host-clment_sso=v4lue; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Strict",
    );
    expect(https.clearSsoBinding()).toBe(
      "__Host-clment_sso=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
    );
    expect(local.issueSsoBinding("v4lue", 600)).toBe(
      "clment_sso_7200=v4lue; Path=/; Max-Age=600; HttpOnly; SameSite=Strict",
    );
    expect(https.ssoBindingOf("__Host-clment_session=s; __Host-clment_sso=b")).toBe("b");
    expect(https.ssoBindingOf("__Host-clment_session=s")).toBeUndefined();
    expect(local.ssoBindingOf("clment_sso_7100=a; clment_sso_7200=b")).toBe("b");
  });

  it("accept only the region's own origin, from Origin or else Referer", () => {
    expect(https.isSameOrigin({ origin: "https://eu.clment.com" })).toBe(true);
    expect(https.isSameOrigin({ origin: "https://evil.example" })).toBe(false);
    expect(https.isSameOrigin({ origin: "null" })).toBe(false);
    expect(https.isSameOrigin({ origin: "http://eu.clment.com" })).toBe(false);
    expect(https.isSameOrigin({ origin: "https://eu.clment.com:8443" })).toBe(false);
    expect(https.isSameOrigin({ referer: "https://eu.clment.com/#/settings" })).toBe(true);
    expect(https.isSameOrigin({ referer: "https://eu.clment.com.evil.example/" })).toBe(false);
    expect(https.isSameOrigin({ referer: "not a url" })).toBe(false);
    expect(
      https.isSameOrigin({ origin: "https://evil.example", referer: "https://eu.clment.com/" }),
    ).toBe(false);
    expect(https.isSameOrigin({})).toBe(false);
  });

  it("are asked for with X-Clment-Session: cookie only", () => {
    expect(wantsSessionCookies({ "x-clment-session": "cookie" })).toBe(true);
    expect(wantsSessionCookies({ "x-clment-session": "Cookie " })).toBe(true);
    expect(wantsSessionCookies({ "x-clment-session": "bearer" })).toBe(false);
    expect(wantsSessionCookies({})).toBe(false);
  });
});
