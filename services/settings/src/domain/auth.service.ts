import { generateSessionToken, hashSecret, type Identity } from "@clment/auth";
import { AppError } from "@clment/http";
import { apiKeyRepository } from "../data/api-key.repository.js";
import { auditLogRepository } from "../data/audit-log.repository.js";
import type { Db } from "../data/db.js";
import { isUniqueViolation } from "../data/errors.js";
import { inviteRepository } from "../data/invite.repository.js";
import { organizationRepository } from "../data/organization.repository.js";
import { sessionRepository } from "../data/session.repository.js";
import { ssoRepository } from "../data/sso.repository.js";
import { recordEvent } from "../data/transaction.js";
import { userRepository, type UserRow } from "../data/user.repository.js";
import { SESSION_TTL_MS } from "../config.js";
import type { SettingsDeps } from "./deps.js";
import { EMAIL_TAKEN, toMember, type Member } from "./member.service.js";
import { toOrganization, type Organization } from "./organization.service.js";
import { hashPassword, verifyPassword } from "./password.js";

export interface NewSession {
  token: string;
  expiresAt: string;
}

export interface SignedIn {
  user: Member;
  session: NewSession;
}

/** One message for every failed login, so it does not tell which part was wrong. */
const INVALID_LOGIN = "Invalid email or password";
/** Password login refused because the organization enforces SSO (owners are exempt). */
export const SSO_REQUIRED = "This organization requires single sign-on";
const INVALID_INVITE = "This invite is invalid, expired or already accepted";

export type MeOrganization = Pick<Organization, "id" | "name" | "region" | "baseUrl">;

export type MePrincipal =
  | { type: "api_key"; id: string; label: string }
  | { type: "user"; id: string; email: string; role: string };

/** Sign-up, login, logout and accepting invites: how people get and lose a session. */
export class AuthService {
  constructor(private readonly deps: SettingsDeps) {}

  /** A new organization in this region, its first user (the owner) and a session. */
  async signup(
    input: { organizationName: string; name: string; email: string; password: string },
    requestId: string | null,
  ): Promise<SignedIn & { organization: Organization }> {
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.deps.transactions.run(async (trx) => {
        const organization = await organizationRepository.insert(trx, {
          name: input.organizationName,
          region: this.deps.region,
        });
        const user = await userRepository.insert(trx, {
          organization_id: organization.id,
          email: input.email,
          name: input.name,
          role: "owner",
          status: "active",
          password_hash: passwordHash,
          joined_at: new Date(),
        });
        const session = await startSession(trx, user);
        await recordEvent(trx, {
          type: "organization.created",
          organizationId: organization.id,
          data: {
            organization: {
              id: organization.id,
              name: organization.name,
              region: organization.region,
              timezone: organization.timezone,
              createdAt: organization.created_at.toISOString(),
            },
            ownerUserId: user.id,
          },
        });
        await auditLogRepository.insert(trx, {
          organizationId: organization.id,
          action: "auth.signup",
          actor: { type: "user", id: user.id },
          target: { type: "organization", id: organization.id },
          requestId,
          metadata: { email: user.email },
        });
        return {
          organization: toOrganization(organization, this.deps.publicBaseUrl),
          user: toMember(user),
          session,
        };
      });
    } catch (error) {
      if (isUniqueViolation(error, "users_email_key")) throw new AppError("CONFLICT", EMAIL_TAKEN);
      throw error;
    }
  }

  /**
   * A session for the right email and password; any mistake is the same 401. When the user's
   * organization enforces single sign-on, only owners may still sign in with a password (the
   * break-glass path); the check comes after the password, so it reveals nothing to a guesser.
   */
  async login(input: { email: string; password: string }, requestId: string | null) {
    const user = await userRepository.findActiveByEmail(this.deps.db, input.email);
    // An unknown email still costs one password check, so timing does not reveal accounts.
    const matches = await verifyPassword(user?.password_hash, input.password);
    if (!user) throw new AppError("UNAUTHORIZED", INVALID_LOGIN);
    if (!matches) {
      await this.loginRefused(user, "wrong_password", requestId);
      throw new AppError("UNAUTHORIZED", INVALID_LOGIN);
    }
    const ssoEnforced = await ssoRepository.isEnforced(this.deps.db, user.organization_id);
    if (ssoEnforced && user.role !== "owner") {
      await this.loginRefused(user, "sso_required", requestId);
      throw new AppError("UNAUTHORIZED", SSO_REQUIRED);
    }
    return this.deps.transactions.run(async (trx): Promise<SignedIn> => {
      const session = await startSession(trx, user);
      await auditLogRepository.insert(trx, {
        organizationId: user.organization_id,
        action: "auth.login",
        actor: { type: "user", id: user.id },
        target: null,
        requestId,
        // An owner's password login while SSO is enforced: the break-glass path, flagged.
        ...(ssoEnforced && { metadata: { ssoBreakGlass: true } }),
      });
      return { user: toMember(user), session };
    });
  }

  /**
   * A refused password login of a known account, in its organization's audit log (the gateway
   * limits attempts per IP and email, so this cannot be made to grow without bound).
   */
  private async loginRefused(
    user: UserRow,
    reason: "wrong_password" | "sso_required",
    requestId: string | null,
  ): Promise<void> {
    await auditLogRepository.insert(this.deps.db, {
      organizationId: user.organization_id,
      action: "auth.login_failed",
      actor: { type: "user", id: user.id },
      target: null,
      requestId,
      metadata: { reason },
    });
  }

  /** Ends the caller's session; the gateway's cache is told before this returns. */
  async logout(identity: Identity, requestId: string | null): Promise<void> {
    const { principal, organizationId } = identity;
    if (principal.type !== "user") {
      throw new AppError("FORBIDDEN", "Only a session can log out; revoke API keys in settings");
    }
    const tokenHash = await this.deps.transactions.run(async (trx) => {
      const revoked = await sessionRepository.revoke(trx, organizationId, principal.sessionId);
      if (revoked) {
        await recordEvent(trx, {
          type: "session.revoked",
          organizationId,
          data: { sessionId: principal.sessionId, tokenHash: revoked },
        });
        await auditLogRepository.insert(trx, {
          organizationId,
          action: "auth.logout",
          actor: { type: "user", id: principal.id },
          target: null,
          requestId,
        });
      }
      return revoked;
    });
    if (tokenHash) await this.deps.credentialCache.markRevoked([tokenHash]);
  }

  /** An invited member sets their name and password and gets a session. */
  async acceptInvite(
    input: { token: string; name: string; password: string },
    requestId: string | null,
  ): Promise<SignedIn> {
    const passwordHash = await hashPassword(input.password);
    return this.deps.transactions.run(async (trx) => {
      const invite = await inviteRepository.claim(trx, hashSecret(input.token));
      if (!invite) throw new AppError("UNAUTHORIZED", INVALID_INVITE);
      const user = await userRepository.activate(trx, invite.userId, {
        name: input.name,
        passwordHash,
      });
      await inviteRepository.markAccepted(trx, invite.id);
      const session = await startSession(trx, user);
      await recordEvent(trx, {
        type: "member.joined",
        organizationId: user.organization_id,
        data: { member: { id: user.id, email: user.email, role: user.role } },
      });
      await auditLogRepository.insert(trx, {
        organizationId: user.organization_id,
        action: "member.joined",
        actor: { type: "user", id: user.id },
        target: { type: "member", id: user.id },
        requestId,
        metadata: { email: user.email, role: user.role },
      });
      return { user: toMember(user), session };
    });
  }

  /** The caller's organization (with the base URL to use) and who they are. */
  async me(identity: Identity): Promise<{ organization: MeOrganization; principal: MePrincipal }> {
    const [organization, principal] = await Promise.all([
      organizationRepository.findById(this.deps.db, identity.organizationId),
      this.describe(identity),
    ]);
    if (!organization || !principal) throw new AppError("UNAUTHORIZED");
    const { id, name, region } = organization;
    return { organization: { id, name, region, baseUrl: this.deps.publicBaseUrl }, principal };
  }

  private async describe({ organizationId, principal }: Identity): Promise<MePrincipal | null> {
    if (principal.type === "api_key") {
      const key = await apiKeyRepository.findById(this.deps.db, organizationId, principal.id);
      return key ? { type: "api_key", id: key.id, label: key.label } : null;
    }
    if (principal.type === "user") {
      const user = await userRepository.findById(this.deps.db, organizationId, principal.id);
      return user ? { type: "user", id: user.id, email: user.email, role: user.role } : null;
    }
    return null;
  }
}

export async function startSession(trx: Db, user: UserRow): Promise<NewSession> {
  const token = generateSessionToken();
  const session = await sessionRepository.insert(trx, {
    organizationId: user.organization_id,
    userId: user.id,
    tokenHash: hashSecret(token),
    expiresAt: new Date(Date.now() + SESSION_TTL_MS),
  });
  return { token, expiresAt: session.expiresAt.toISOString() };
}
