import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type Provider from "oidc-provider";

/** A person the test provider can sign in. */
export interface OidcAccount {
  email: string;
  emailVerified: boolean;
  name?: string;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Adds (or replaces) an account the provider can sign in, by id. */
  addAccount(id: string, account: OidcAccount): void;
  /**
   * Plays the browser: follows the authorization URL, signs `accountId` in and consents with the
   * provider's development interactions, and answers the query it redirects back with.
   */
  authorize(authorizationUrl: string, accountId: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (the `oidc-provider` package) on a free loopback port, with one
 * confidential client registered for `redirectUri`. Email claims come from the userinfo endpoint
 * (the provider keeps ID tokens minimal), so the flow also exercises that path. A browser can
 * drive it too: its development login form takes the account id as login (any password), then
 * a consent page's "Continue". The package is loaded on first use, not with @clment/testing.
 */
export async function startOidcProvider(redirectUri: string): Promise<TestOidcProvider> {
  // Its start-up notices (a development in-memory adapter, a Node.js version it prefers) are
  // expected in a test and would only bury the test output; anything else still prints.
  const { default: Provider } = await withoutProviderNotices(() => import("oidc-provider"));
  const accounts = new Map<string, OidcAccount>();
  const clientId = "clment-console";
  const clientSecret = "test-client-secret-0d4c1b9e8f7a6d5c4b3a29180f7e6d5c";
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider: Provider = await withoutProviderNotices(
    () =>
      new Provider(issuer, {
        clients: [
          {
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uris: [redirectUri],
            response_types: ["code"],
            grant_types: ["authorization_code"],
            token_endpoint_auth_method: "client_secret_post",
          },
        ],
        claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
        cookies: { keys: ["test-cookie-key-3b9f0c2d7e1a4f6b8c5d"] },
        pkce: { required: () => true },
        ttl: {
          AccessToken: 600,
          AuthorizationCode: 60,
          Grant: 600,
          IdToken: 600,
          Interaction: 600,
          Session: 600,
        },
        async findAccount(_ctx, id) {
          const account = accounts.get(id);
          if (!account) return undefined;
          return {
            accountId: id,
            async claims() {
              return {
                sub: id,
                email: account.email,
                email_verified: account.emailVerified,
                ...(account.name && { name: account.name }),
              };
            },
          };
        },
      }),
  );
  const callback = provider.callback();
  handle = (req, res) => void callback(req, res);

  const cookies = new Map<string, string>();
  async function go(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const index = pair!.indexOf("=");
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      if (value === "" || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
    return response;
  }

  return {
    issuer,
    clientId,
    clientSecret,
    addAccount(id, account) {
      accounts.set(id, account);
    },
    async authorize(authorizationUrl, accountId) {
      cookies.clear();
      let url = authorizationUrl;
      for (let hop = 0; hop < 20; hop++) {
        if (url.startsWith(redirectUri)) {
          return Object.fromEntries(new URL(url).searchParams);
        }
        const response = await go(url);
        const location = response.headers.get("location");
        if (location) {
          url = new URL(location, url).href;
          continue;
        }
        if (response.status !== 200) {
          throw new Error(`the provider answered ${response.status}: ${await response.text()}`);
        }
        // A development interaction page: log in first, then consent.
        const page = await response.text();
        const body = page.includes('name="login"')
          ? new URLSearchParams({ prompt: "login", login: accountId, password: "any" })
          : new URLSearchParams({ prompt: "consent" });
        const submitted = await go(url, {
          method: "POST",
          body,
          headers: { "content-type": "application/x-www-form-urlencoded" },
        });
        const next = submitted.headers.get("location");
        if (!next) throw new Error(`the interaction answered ${submitted.status}`);
        url = new URL(next, url).href;
      }
      throw new Error("too many redirects at the provider");
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs `start` with the oidc-provider package's own notices and warnings left out. */
async function withoutProviderNotices<T>(start: () => T | Promise<T>): Promise<T> {
  const { warn, info } = console;
  const filter =
    (print: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      if (typeof args[0] === "string" && /oidc-provider (WARNING|NOTICE)/.test(args[0])) return;
      print(...args);
    };
  console.warn = filter(warn);
  console.info = filter(info);
  try {
    return await start();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}
