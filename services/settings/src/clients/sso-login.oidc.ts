import * as oidc from "openid-client";

/** The organization's OIDC client registration, as the sign-in flow needs it. */
export interface OidcClientSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Allow an `http://` issuer (local development and tests only). */
  allowHttp: boolean;
}

/** What a successful code exchange says about the person. */
export interface OidcIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

/** The provider could not be reached or its metadata is unusable. */
export class OidcUnavailableError extends Error {}

/** The provider or its answer refused the sign-in (bad code, state, nonce, PKCE, token...). */
export class OidcRejectedError extends Error {}

const TIMEOUT_SECONDS = 10;

function describe(error: unknown): string {
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
    try {
      const config = await oidc.discovery(
        new URL(settings.issuer),
        settings.clientId,
        settings.clientSecret,
        undefined,
        { timeout: TIMEOUT_SECONDS, ...(insecure && { execute: [oidc.allowInsecureRequests] }) },
      );
      config.timeout = TIMEOUT_SECONDS;
      return new OidcClient(config);
    } catch (error) {
      throw new OidcUnavailableError(describe(error), { cause: error });
    }
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
   * from the userinfo endpoint when the ID token does not carry it.
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
      throw new OidcRejectedError(describe(error), { cause: error });
    }
  }
}
