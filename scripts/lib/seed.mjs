// The demo organization of each local region, made through the region's public API (the
// gateway), idempotently: a demo key saved by an earlier start is reused while it works.
import { readDemoKeys, saveDemoKey } from "./state.mjs";

/** Local demo data only: printed by `npm start`. */
export const DEMO_PASSWORD = "clment-demo-password";

export const demoAdmin = (region) => ({
  organizationName: `Demo ${region.toUpperCase()}`,
  name: "Demo Admin",
  email: `admin@demo-${region}.clment.local`,
  password: DEMO_PASSWORD,
});

async function call(gatewayUrl, method, path, { body, token } = {}) {
  const headers = { accept: "application/json" };
  if (body) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${gatewayUrl}${path}`, {
    method,
    headers,
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

function unexpected(what, response) {
  const error = response.json?.error;
  const detail = error ? `${error.code}: ${error.message}` : response.text.slice(0, 200);
  return new Error(`${what} answered ${response.status} (${detail})`);
}

/**
 * Makes sure the demo organization of `region` exists and has a working API key.
 * @returns {Promise<{ email: string, password: string, apiKey: string }>}
 */
export async function seedRegion(region, gatewayUrl) {
  const admin = demoAdmin(region);
  const result = { email: admin.email, password: admin.password };
  const saved = readDemoKeys()[region];
  if (saved && (await call(gatewayUrl, "GET", "/v1/me", { token: saved.secret })).status === 200) {
    return { ...result, apiKey: saved.secret };
  }

  const token = await adminSession(gatewayUrl, admin);
  const created = await call(gatewayUrl, "POST", "/v1/settings/api-keys", {
    token,
    body: { label: "demo" },
  });
  if (created.status !== 201) throw unexpected("POST /v1/settings/api-keys", created);
  const { apiKey, secret } = created.json.data;
  saveDemoKey(region, { id: apiKey.id, secret });
  return { ...result, apiKey: secret };
}

/** Signs the demo admin up, or logs in when the organization is already there. */
async function adminSession(gatewayUrl, admin) {
  const signup = await call(gatewayUrl, "POST", "/v1/auth/signup", { body: admin });
  if (signup.status === 201) return signup.json.data.session.token;
  if (signup.status !== 409) throw unexpected("POST /v1/auth/signup", signup);
  const { email, password } = admin;
  const login = await call(gatewayUrl, "POST", "/v1/auth/login", { body: { email, password } });
  if (login.status === 200) return login.json.data.session.token;
  if (login.status === 401) {
    throw new Error(`${email} exists but the demo password no longer works for it`);
  }
  throw unexpected("POST /v1/auth/login", login);
}
