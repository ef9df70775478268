import { hashSecret, randomToken, type Role } from "@clment/auth";
import { AppError } from "@clment/http";
import { auditLogRepository } from "../data/audit-log.repository.js";
import { isUniqueViolation } from "../data/errors.js";
import { inviteRepository } from "../data/invite.repository.js";
import type { ListOptions } from "../data/list.js";
import { organizationRepository } from "../data/organization.repository.js";
import { sessionRepository } from "../data/session.repository.js";
import type { Db } from "../data/db.js";
import { userRepository, type UserRow } from "../data/user.repository.js";
import { recordEvent } from "../data/transaction.js";
import { INVITE_TTL_MS } from "../config.js";
import { auditBy, settingsActor, type Caller, type SettingsActor } from "./caller.js";
import type { SettingsDeps } from "./deps.js";

export interface Member {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** `invited` until the invite is accepted. */
  status: "invited" | "active";
  createdAt: string;
  joinedAt: string | null;
}

export function toMember(row: UserRow): Member {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    joinedAt: row.joined_at?.toISOString() ?? null,
  };
}

/** What member events say about a member. */
function memberFact(row: UserRow) {
  return { member: { id: row.id, email: row.email, role: row.role } };
}

export const EMAIL_TAKEN = "An account with this email already exists";

export class MemberService {
  constructor(private readonly deps: SettingsDeps) {}

  async list(caller: Caller, options: ListOptions) {
    const actor = settingsActor(caller);
    const { items, total } = await userRepository.list(this.deps.db, actor.organizationId, options);
    return { members: items.map(toMember), total };
  }

  /** Adds a member in the `invited` state; the invite token is shown here only. */
  async invite(caller: Caller, input: { email: string; name: string; role: Role }) {
    const actor = settingsActor(caller);
    if (input.role === "owner") assertOwner(actor, "Only an owner can invite an owner");
    const inviteToken = randomToken();
    try {
      return await this.deps.transactions.run(async (trx) => {
        const member = await userRepository.insert(trx, {
          organization_id: actor.organizationId,
          email: input.email,
          name: input.name,
          role: input.role,
          status: "invited",
        });
        const invite = await inviteRepository.insert(trx, {
          organizationId: actor.organizationId,
          userId: member.id,
          tokenHash: hashSecret(inviteToken),
          createdBy: actor.userId,
          expiresAt: new Date(Date.now() + INVITE_TTL_MS),
        });
        await recordEvent(trx, {
          type: "member.invited",
          organizationId: actor.organizationId,
          data: memberFact(member),
        });
        await auditLogRepository.insert(
          trx,
          auditBy(
            actor,
            "member.invited",
            { type: "member", id: member.id },
            {
              email: member.email,
              role: member.role,
            },
          ),
        );
        return {
          member: toMember(member),
          inviteToken,
          inviteExpiresAt: invite.expiresAt.toISOString(),
        };
      });
    } catch (error) {
      if (isUniqueViolation(error, "users_email_key")) throw new AppError("CONFLICT", EMAIL_TAKEN);
      throw error;
    }
  }

  /** Changes a member's role; the gateway forgets their cached sessions so it applies at once. */
  async changeRole(caller: Caller, memberId: string, role: Role): Promise<Member> {
    const actor = settingsActor(caller);
    const { member, sessionHashes } = await this.deps.transactions.run(async (trx) => {
      const current = await this.lockMember(trx, actor, memberId);
      if (current.role === role) return { member: current, sessionHashes: [] };
      if (current.role === "owner" || role === "owner") {
        assertOwner(actor, "Only an owner can grant or take away the owner role");
      }
      await assertNotLastOwner(trx, current, "demote");
      const updated = await userRepository.setRole(trx, current.id, role);
      const sessions = await sessionRepository.activeOfUser(trx, current.id);
      await recordEvent(trx, {
        type: "member.role_changed",
        organizationId: actor.organizationId,
        data: { ...memberFact(updated), previousRole: current.role },
      });
      await auditLogRepository.insert(
        trx,
        auditBy(
          actor,
          "member.role_changed",
          { type: "member", id: current.id },
          {
            email: current.email,
            previousRole: current.role,
            role,
          },
        ),
      );
      return { member: updated, sessionHashes: sessions.map((s) => s.token_hash) };
    });
    await this.deps.credentialCache.forget(sessionHashes);
    return toMember(member);
  }

  /** Removes a member and everything they signed in with; their sessions stop at once. */
  async remove(caller: Caller, memberId: string): Promise<{ id: string; deleted: true }> {
    const actor = settingsActor(caller);
    const sessionHashes = await this.deps.transactions.run(async (trx) => {
      const member = await this.lockMember(trx, actor, memberId);
      if (member.role === "owner") assertOwner(actor, "Only an owner can remove an owner");
      await assertNotLastOwner(trx, member, "remove");
      const sessions = await sessionRepository.activeOfUser(trx, member.id);
      await userRepository.delete(trx, member.id);
      await recordEvent(trx, {
        type: "member.removed",
        organizationId: actor.organizationId,
        data: memberFact(member),
      });
      for (const session of sessions) {
        await recordEvent(trx, {
          type: "session.revoked",
          organizationId: actor.organizationId,
          data: { sessionId: session.id, tokenHash: session.token_hash },
        });
      }
      await auditLogRepository.insert(
        trx,
        auditBy(
          actor,
          "member.removed",
          { type: "member", id: member.id },
          {
            email: member.email,
            role: member.role,
          },
        ),
      );
      return sessions.map((s) => s.token_hash);
    });
    await this.deps.credentialCache.markRevoked(sessionHashes);
    return { id: memberId, deleted: true };
  }

  /**
   * Locks the organization, then the member. Every change to members takes the organization's
   * lock first, so two owners demoting each other at once cannot leave it without an owner.
   */
  private async lockMember(trx: Db, actor: SettingsActor, memberId: string): Promise<UserRow> {
    await organizationRepository.lock(trx, actor.organizationId);
    const member = await userRepository.lock(trx, actor.organizationId, memberId);
    if (!member) throw new AppError("NOT_FOUND", "Member not found");
    return member;
  }
}

function assertOwner(actor: SettingsActor, message: string): void {
  if (actor.role !== "owner") throw new AppError("FORBIDDEN", message);
}

async function assertNotLastOwner(trx: Db, member: UserRow, what: "demote" | "remove") {
  if (member.role !== "owner" || member.status !== "active") return;
  const owners = await userRepository.countActiveOwners(trx, member.organization_id);
  if (owners <= 1) {
    throw new AppError(
      "CONFLICT",
      `Cannot ${what} the last owner; make another member an owner first`,
    );
  }
}
