import { timingSafeEqual } from "node:crypto";
import { hashSecret, randomToken } from "@clment/auth";
import { AppError, type Logger } from "@clment/http";
import {
  OidcClient,
  OidcRejectedError,
  OidcUnavailableError,
  type OidcClientSettings,
  type OidcIdentity,
} from "../clients/sso-login.oidc.js";
import { auditLogRepository } from "../data/audit-log.repository.js";
import { isUniqueViolation } from "../data/errors.js";
import { ssoLoginRepository } from "../data/sso-login.repository.js";
import { ssoRepository, type SsoConfigRow } from "../data/sso.repository.js";
import { recordEvent } from "../data/transaction.js";
import { userRepository, type UserRow } from "../data/user.repository.js";
import { startSession, type SignedIn } from "./auth.service.js";
import type { SettingsDeps } from "./deps.js";
import { toMember } from "./member.service.js";
import type { SsoService } from "./sso.service.js";
import { SecretUnreadableError } from "./webhook.secrets.js";

/** How long a started single sign-on can be completed. */
export const SSO_LOGIN_TTL_MS = 10 * 60 * 1000;

const NO_SSO = "No single sign-on is configured for this email";
/**
 * Why a provider could not be used stays in the log: the issuer is chosen by any organization,
 * and the reason (refused address, connection refused, timeout) would map internal networks.
 */
const PROVIDER_UNREACHABLE = "The identity provider could not be reached";
const INVALID_STATE = "This sign-in is invalid, expired or already used; start again";
/** Login CSRF: someone else's sign-in link, opened in this browser. */
export const OTHER_BROWSER =
  "This sign-in was started in another browser (or its cookie is gone): start single sign-on again here";

/** A started sign-in: where to send the browser, and the value its binding cookie holds. */
export interface StartedSsoLogin {
  authorizationUrl: string;
  /** Random; only its SHA-256 is stored. The callback must come with it (the browser's cookie). */
  binding: string;
}

/** Whether `given` is the binding whose SHA-256 is `storedHash` (constant time). */
function bindingMatches(storedHash: string, given: string | undefined): boolean {
  if (given === undefined || given.length === 0 || given.length > 256) return false;
  const expected = Buffer.from(storedHash, "hex");
  const actual = Buffer.from(hashSecret(given), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export interface SsoLoginDeps extends SettingsDeps {
  sso: SsoService;
  /** Allow an `http://` issuer (local development and tests only). */
  allowHttp: boolean;
  /** Every request to a provider goes through it (`providerFetch`: the address guard). */
  fetch: OidcClientSettings["fetch"];
  logger: Logger;
}

/**
 * The console page the provider sends the browser back to; it hands the query to
 * `GET /v1/auth/sso/callback`. Fixed by the region, so a sign-in cannot be redirected elsewhere.
 */
export function ssoRedirectUri(publicBaseUrl: string): string {
  return new URL("/sso/callback", publicBaseUrl).href;
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1);
}

/** Signing in with the organization's OIDC provider: authorization code flow with PKCE. */
export class SsoLoginService {
  constructor(private readonly deps: SsoLoginDeps) {}

  get redirectUri(): string {
    return ssoRedirectUri(this.deps.publicBaseUrl);
  }

  /**
   * Starts a sign-in for the organization whose SSO allows the email's domain (or the one
   * named): stores state, nonce, PKCE verifier and the hash of a new browser binding, and
   * answers where to send the browser and the binding (for its cookie).
   */
  async start(
    input: { email?: string; organizationId?: string },
    requestId: string | null,
  ): Promise<StartedSsoLogin> {
    const config = await this.configFor(input);
    const client = await this.client(config, requestId, () => {
      throw new AppError("SERVICE_UNAVAILABLE", PROVIDER_UNREACHABLE);
    });
    const { state, nonce, codeVerifier } = OidcClient.secrets();
    const binding = randomToken();
    await ssoLoginRepository.deleteExpired(this.deps.db, config.organization_id);
    await ssoLoginRepository.insert(this.deps.db, {
      organizationId: config.organization_id,
      stateHash: hashSecret(state),
      nonce,
      codeVerifier,
      bindingHash: hashSecret(binding),
      expiresAt: new Date(Date.now() + SSO_LOGIN_TTL_MS),
    });
    const authorizationUrl = await client.authorizationUrl({
      redirectUri: this.redirectUri,
      state,
      nonce,
      codeVerifier,
      loginHint: input.email,
    });
    return { authorizationUrl, binding };
  }

  /**
   * Completes a sign-in: the state is used up, the browser's binding (its cookie's value) must
   * be the one the start set, the code is exchanged (PKCE, nonce), and the verified email
   * matched to a member of the organization or provisioned as a `member`. The state is used up
   * whatever happens, so a link refused in one browser cannot be tried again in another.
   */
  async callback(
    query: Record<string, string>,
    binding: string | undefined,
    requestId: string | null,
  ): Promise<SignedIn> {
    const state = query.state ?? "";
    const login = await ssoLoginRepository.claim(this.deps.db, hashSecret(state));
    if (!login || login.expires_at.getTime() <= Date.now()) {
      throw new AppError("UNAUTHORIZED", INVALID_STATE);
    }
    if (!bindingMatches(login.binding_hash, binding)) {
      throw new AppError("UNAUTHORIZED", OTHER_BROWSER);
    }
    const config = await ssoRepository.find(this.deps.db, login.organization_id);
    if (!config) throw new AppError("UNAUTHORIZED", "Single sign-on is no longer configured");
    const unreachable = () => {
      throw new AppError("UNAUTHORIZED", `Single sign-on failed: ${PROVIDER_UNREACHABLE}`);
    };
    const client = await this.client(config, requestId, unreachable);
    let person: OidcIdentity;
    try {
      person = await client.exchange({
        redirectUri: this.redirectUri,
        query,
        state,
        nonce: login.nonce,
        codeVerifier: login.code_verifier,
      });
    } catch (error) {
      // The provider's own reason (bad code, denied...) is the person's to see; a request
      // that could not be made is logged only.
      if (error instanceof OidcRejectedError) {
        throw new AppError("UNAUTHORIZED", `Single sign-on failed: ${error.message}`);
      }
      if (error instanceof OidcUnavailableError) {
        this.logUnreachable(config, error, requestId);
        unreachable();
      }
      throw error;
    }
    if (!person.email || !person.emailVerified) {
      throw new AppError(
        "UNAUTHORIZED",
        "The identity provider did not vouch for a verified email",
      );
    }
    return this.signIn(config, person.email, person.name, requestId);
  }

  private async signIn(
    config: SsoConfigRow,
    email: string,
    name: string | null,
    requestId: string | null,
  ): Promise<SignedIn> {
    const organizationId = config.organization_id;
    try {
      return await this.deps.transactions.run(async (trx) => {
        let user: UserRow | undefined = await ssoLoginRepository.findUserByEmail(trx, email);
        if (user && user.organization_id !== organizationId) {
          throw new AppError("UNAUTHORIZED", "This email belongs to another organization");
        }
        if (user && user.status !== "active") {
          throw new AppError("UNAUTHORIZED", "Accept your invitation before signing in");
        }
        if (!user) {
          const domains = config.allowed_domains;
          if (domains.length > 0 && !domains.includes(domainOf(email))) {
            throw new AppError("UNAUTHORIZED", "This email's domain may not join the organization");
          }
          user = await userRepository.insert(trx, {
            organization_id: organizationId,
            email,
            name: (name ?? email.slice(0, email.lastIndexOf("@"))).slice(0, 200),
            role: "member",
            status: "active",
            joined_at: new Date(),
          });
          await recordEvent(trx, {
            type: "member.joined",
            organizationId,
            data: { member: { id: user.id, email: user.email, role: user.role } },
          });
          await auditLogRepository.insert(trx, {
            organizationId,
            action: "member.joined",
            actor: { type: "user", id: user.id },
            target: { type: "member", id: user.id },
            requestId,
            metadata: { email: user.email, role: user.role, sso: true },
          });
        }
        const session = await startSession(trx, user);
        await auditLogRepository.insert(trx, {
          organizationId,
          action: "auth.login",
          actor: { type: "user", id: user.id },
          target: null,
          requestId,
          metadata: { sso: true },
        });
        return { user: toMember(user), session };
      });
    } catch (error) {
      // Someone took the email between the lookup and the insert: the same answer as a clash.
      if (isUniqueViolation(error, "users_email_key")) {
        throw new AppError("UNAUTHORIZED", "This email belongs to another organization");
      }
      throw error;
    }
  }

  private async configFor(input: { email?: string; organizationId?: string }) {
    const email = input.email?.toLowerCase();
    if (input.organizationId) {
      const config = await ssoRepository.find(this.deps.db, input.organizationId);
      const domains = config?.allowed_domains ?? [];
      if (!config || (email && domains.length > 0 && !domains.includes(domainOf(email)))) {
        throw new AppError("NOT_FOUND", NO_SSO);
      }
      return config;
    }
    const configs = email
      ? await ssoLoginRepository.configsForDomain(this.deps.db, domainOf(email))
      : [];
    if (configs.length === 0) throw new AppError("NOT_FOUND", NO_SSO);
    if (configs.length > 1) {
      throw new AppError(
        "CONFLICT",
        "Several organizations use single sign-on for this domain; pass organizationId",
      );
    }
    return configs[0]!;
  }

  /** The organization's provider, discovered; `unavailable` answers when it cannot be used. */
  private async client(
    config: SsoConfigRow,
    requestId: string | null,
    unavailable: () => never,
  ): Promise<OidcClient> {
    let clientSecret: string | null;
    try {
      clientSecret = await this.deps.sso.clientSecretOf(config.organization_id);
    } catch (error) {
      // The encryption key changed under the stored secret (logged where it was read): the
      // provider cannot be used, and the caller learns no more than that.
      if (!(error instanceof SecretUnreadableError)) throw error;
      return unavailable();
    }
    if (clientSecret === null) throw new AppError("NOT_FOUND", NO_SSO);
    try {
      return await OidcClient.discover({
        issuer: config.issuer,
        clientId: config.client_id,
        clientSecret,
        allowHttp: this.deps.allowHttp,
        fetch: this.deps.fetch,
      });
    } catch (error) {
      if (!(error instanceof OidcUnavailableError)) throw error;
      this.logUnreachable(config, error, requestId);
      return unavailable();
    }
  }

  private logUnreachable(
    config: SsoConfigRow,
    error: OidcUnavailableError,
    requestId: string | null,
  ): void {
    this.deps.logger.warn(
      {
        err: error,
        reason: error.message,
        organizationId: config.organization_id,
        issuer: config.issuer,
        requestId,
      },
      "single sign-on: the identity provider could not be used",
    );
  }
}
