import * as oidc from "openid-client";
import { ProviderUnreachableError } from "./sso-login.fetch.js";

/** The organization's OIDC client registration, as the sign-in flow needs it. */
export interface OidcClientSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Allow an `http://` issuer (local development and tests only). */
  allowHttp: boolean;
  /** Makes every request to the provider (`providerFetch`: the address guard). */
  fetch: oidc.CustomFetch;
}

/** What a successful code exchange says about the person. */
export interface OidcIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

/**
 * The provider could not be reached (refused address, network, timeout) or its metadata is
 * unusable. The message is for the log: it can name hosts and addresses.
 */
export class OidcUnavailableError extends Error {}

/** The provider or its answer refused the sign-in (bad code, state, nonce, PKCE, token...). */
export class OidcRejectedError extends Error {}

const TIMEOUT_SECONDS = 10;

/** The request that was refused or got no answer behind the error, if that is what it is. */
function unreachable(error: unknown): ProviderUnreachableError | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ProviderUnreachableError) return cause;
  }
  return undefined;
}

function describe(error: unknown): string {
  const refused = unreachable(error);
  if (refused) return refused.message;
  if (error instanceof oidc.AuthorizationResponseError) {
    return error.error_description ?? error.error;
  }
  if (error instanceof oidc.ResponseBodyError) return error.error_description ?? error.error;
  return error instanceof Error ? error.message : String(error);
}

/** The authorization code flow with PKCE against one organization's provider (openid-client). */
export class OidcClient {
  private constructor(private readonly config: oidc.Configuration) {}

  static async discover(settings: OidcClientSettings): Promise<OidcClient> {
    const insecure = settings.allowHttp && new URL(settings.issuer).protocol === "http:";
    let config: oidc.Configuration;
    try {
      config = await oidc.discovery(
        new URL(settings.issuer),
        settings.clientId,
        settings.clientSecret,
        undefined,
        {
          timeout: TIMEOUT_SECONDS,
          // Kept by the configuration for every later request (token, userinfo, keys).
          [oidc.customFetch]: settings.fetch,
          ...(insecure && { execute: [oidc.allowInsecureRequests] }),
        },
      );
    } catch (error) {
      throw new OidcUnavailableError(describe(error), { cause: error });
    }
    config.timeout = TIMEOUT_SECONDS;
    // The browser is sent there: a web page, never another scheme (javascript:, data:...).
    const authorization = config.serverMetadata().authorization_endpoint;
    const protocol = URL.canParse(authorization ?? "") ? new URL(authorization!).protocol : null;
    if (protocol !== "https:" && !(insecure && protocol === "http:")) {
      throw new OidcUnavailableError(
        `the authorization endpoint is not an https URL: ${String(authorization).slice(0, 200)}`,
      );
    }
    return new OidcClient(config);
  }

  /** A fresh PKCE code verifier, state and nonce. */
  static secrets(): { codeVerifier: string; state: string; nonce: string } {
    return {
      codeVerifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
    };
  }

  async authorizationUrl(input: {
    redirectUri: string;
    state: string;
    nonce: string;
    codeVerifier: string;
    loginHint?: string;
  }): Promise<string> {
    const parameters: Record<string, string> = {
      redirect_uri: input.redirectUri,
      response_type: "code",
      scope: "openid email profile",
      state: input.state,
      nonce: input.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(input.codeVerifier),
      code_challenge_method: "S256",
    };
    if (input.loginHint) parameters.login_hint = input.loginHint;
    return oidc.buildAuthorizationUrl(this.config, parameters).href;
  }

  /**
   * Exchanges the authorization response (the query the provider redirected with) for tokens,
   * checking state, issuer, PKCE and the ID token's nonce; the email comes from the ID token, or
   * from the userinfo endpoint when the ID token does not carry it. OidcRejectedError when the
   * provider or its answer refuses; OidcUnavailableError when a request could not be made.
   */
  async exchange(input: {
    redirectUri: string;
    query: Record<string, string>;
    state: string;
    nonce: string;
    codeVerifier: string;
  }): Promise<OidcIdentity> {
    const currentUrl = new URL(input.redirectUri);
    for (const [name, value] of Object.entries(input.query)) {
      currentUrl.searchParams.set(name, value);
    }
    try {
      const tokens = await oidc.authorizationCodeGrant(this.config, currentUrl, {
        pkceCodeVerifier: input.codeVerifier,
        expectedState: input.state,
        expectedNonce: input.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new OidcRejectedError("The provider answered without an ID token");
      let source: Record<string, unknown> = claims;
      if (claims.email === undefined) {
        source = await oidc.fetchUserInfo(this.config, tokens.access_token, claims.sub);
      }
      return {
        subject: claims.sub,
        email: typeof source.email === "string" ? source.email.trim().toLowerCase() : null,
        emailVerified: source.email_verified === true,
        name: typeof source.name === "string" && source.name.trim() ? source.name.trim() : null,
      };
    } catch (error) {
      if (error instanceof OidcRejectedError) throw error;
      if (unreachable(error)) throw new OidcUnavailableError(describe(error), { cause: error });
      throw new OidcRejectedError(describe(error), { cause: error });
    }
  }
}
