import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import {
  credentialCacheKey,
  hashSecret,
  INVALID_CREDENTIAL,
  REVERIFY_CREDENTIAL,
} from "@clment/auth";
import { uniqueId } from "@clment/testing";
import { PASSWORD, SettingsHarness } from "./harness.js";

describe("members and roles", () => {
  let settings: SettingsHarness;
  beforeAll(async () => {
    settings = await SettingsHarness.start();
  });
  afterAll(async () => {
    await settings?.close();
  });

  const cached = (token: string) =>
    settings.service.context.redis.get(credentialCacheKey(settings.redisPrefix, hashSecret(token)));

  it("invites a member who accepts, then logs in with their own password", async () => {
    const owner = await settings.signup();
    const email = `Mo.${uniqueId()}@Example.com`;
    const invited = await settings.request("POST", "/v1/settings/members", {
      as: owner.identity,
      body: { email, name: "Mo", role: "member" },
    });
    expect(invited.status).toBe(201);
    const { member, inviteToken, inviteExpiresAt } = invited.body.data;
    expect(member).toMatchObject({
      email: email.toLowerCase(),
      name: "Mo",
      role: "member",
      status: "invited",
      joinedAt: null,
    });
    expect(inviteToken).toEqual(expect.any(String));
    expect(Date.parse(inviteExpiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const stored = await settings.db.selectFrom("invites").select("token_hash").execute();
    expect(stored.map((i) => i.token_hash)).toContain(hashSecret(inviteToken));
    expect(JSON.stringify(stored)).not.toContain(inviteToken);

    // An invited member cannot log in before accepting.
    const early = await settings.request("POST", "/v1/auth/login", {
      body: { email, password: PASSWORD },
    });
    expect(early.status).toBe(401);

    const accepted = await settings.request("POST", "/v1/auth/accept-invite", {
      body: { token: inviteToken, name: "Mo Member", password: PASSWORD },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.data.user).toMatchObject({
      id: member.id,
      name: "Mo Member",
      role: "member",
      status: "active",
      joinedAt: expect.any(String),
    });
    expect((await settings.verify("session", accepted.body.data.session.token)).status).toBe(200);

    // The invite works once.
    const reused = await settings.request("POST", "/v1/auth/accept-invite", {
      body: { token: inviteToken, name: "Mallory", password: "another password" },
    });
    expect(reused.status).toBe(401);

    const login = await settings.request("POST", "/v1/auth/login", {
      body: { email, password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const identity = await settings.identityOf("session", login.body.data.session.token);
    expect(identity).toMatchObject({
      organizationId: owner.organization.id,
      principal: { type: "user", id: member.id },
      role: "member",
    });

    const list = await settings.request("GET", "/v1/settings/members", { as: owner.identity });
    expect(list.body.data.total).toBe(2);
    expect(list.body.data.members.map((m: { id: string }) => m.id)).toEqual([
      member.id,
      owner.user.id,
    ]);

    const events = await settings.outbox(owner.organization.id);
    expect(events.map((e) => e.type)).toEqual([
      "organization.created",
      "member.invited",
      "member.joined",
    ]);
    expect(events[2]!.payload).toEqual({
      member: { id: member.id, email: email.toLowerCase(), role: "member" },
    });
  });

  it("refuses an expired invite, an unknown token and an email already in use", async () => {
    const owner = await settings.signup();
    const invited = await settings.request("POST", "/v1/settings/members", {
      as: owner.identity,
      body: { email: `late-${uniqueId()}@example.com`, name: "Late", role: "member" },
    });
    await settings.db
      .updateTable("invites")
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where("user_id", "=", invited.body.data.member.id)
      .execute();
    for (const token of [invited.body.data.inviteToken, "made-up"]) {
      const response = await settings.request("POST", "/v1/auth/accept-invite", {
        body: { token, name: "Late", password: PASSWORD },
      });
      expect(response.status).toBe(401);
    }

    const taken = await settings.request("POST", "/v1/settings/members", {
      as: owner.identity,
      body: { email: owner.user.email.toUpperCase(), name: "Dup", role: "member" },
    });
    expect(taken.status).toBe(409);
    const bad = await settings.request("POST", "/v1/settings/members", {
      as: owner.identity,
      body: { email: "x", name: "", role: "superuser" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      "body.email",
      "body.name",
      "body.role",
    ]);
  });

  it("lets only an owner grant or take away the owner role", async () => {
    const owner = await settings.signup();
    const admin = await settings.addMember(owner.identity, "admin");
    const member = await settings.addMember(owner.identity, "member");

    const adminGrantsOwner = await settings.request("PATCH", `/v1/settings/members/${member.id}`, {
      as: admin.identity,
      body: { role: "owner" },
    });
    expect(adminGrantsOwner.status).toBe(403);
    expect(adminGrantsOwner.body.error.code).toBe("FORBIDDEN");
    const adminInvitesOwner = await settings.request("POST", "/v1/settings/members", {
      as: admin.identity,
      body: { email: `o-${uniqueId()}@example.com`, name: "O", role: "owner" },
    });
    expect(adminInvitesOwner.status).toBe(403);
    for (const request of [
      { method: "PATCH", body: { role: "admin" } },
      { method: "DELETE", body: undefined },
    ]) {
      const response = await settings.request(
        request.method,
        `/v1/settings/members/${owner.user.id}`,
        { as: admin.identity, body: request.body },
      );
      expect(response.status).toBe(403);
    }

    // An admin manages members and admins.
    const promoted = await settings.request("PATCH", `/v1/settings/members/${member.id}`, {
      as: admin.identity,
      body: { role: "admin" },
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body.data.member).toMatchObject({ id: member.id, role: "admin" });

    const toOwner = await settings.request("PATCH", `/v1/settings/members/${member.id}`, {
      as: owner.identity,
      body: { role: "owner" },
    });
    expect(toOwner.status).toBe(200);
    expect(toOwner.body.data.member.role).toBe("owner");
  });

  it("applies a new role at once: the member's sessions are marked for re-verification in the gateway's cache", async () => {
    const owner = await settings.signup();
    const member = await settings.addMember(owner.identity, "member");
    const key = credentialCacheKey(settings.redisPrefix, hashSecret(member.token));
    await settings.service.context.redis.set(key, JSON.stringify({ role: "member" }), "EX", 60);

    const changed = await settings.request("PATCH", `/v1/settings/members/${member.id}`, {
      as: owner.identity,
      body: { role: "admin" },
    });
    expect(changed.status).toBe(200);
    // A marker, not a delete: a lookup from before the change cannot be cached over it.
    expect(await settings.service.context.redis.get(key)).toBe(REVERIFY_CREDENTIAL);
    expect((await settings.verify("session", member.token)).body.data.role).toBe("admin");
    const events = await settings.outbox(owner.organization.id);
    expect(events.at(-1)).toEqual({
      type: "member.role_changed",
      payload: {
        member: { id: member.id, email: member.email, role: "admin" },
        previousRole: "member",
      },
    });
  });

  it("removes a member: their sessions stop at once and the gateway's cache is told", async () => {
    const owner = await settings.signup();
    const member = await settings.addMember(owner.identity, "admin");
    const second = await settings.request("POST", "/v1/auth/login", {
      body: { email: member.email, password: PASSWORD },
    });
    const tokens = [member.token, second.body.data.session.token as string];

    const removed = await settings.request("DELETE", `/v1/settings/members/${member.id}`, {
      as: owner.identity,
    });
    expect(removed.status).toBe(200);
    expect(removed.body.data).toEqual({ id: member.id, deleted: true });
    for (const token of tokens) {
      expect((await settings.verify("session", token)).status).toBe(404);
      expect(await cached(token)).toBe(INVALID_CREDENTIAL);
    }
    const login = await settings.request("POST", "/v1/auth/login", {
      body: { email: member.email, password: PASSWORD },
    });
    expect(login.status).toBe(401);
    const again = await settings.request("DELETE", `/v1/settings/members/${member.id}`, {
      as: owner.identity,
    });
    expect(again.status).toBe(404);

    const types = (await settings.outbox(owner.organization.id)).map((e) => e.type);
    expect(types.slice(-3).sort()).toEqual([
      "member.removed",
      "session.revoked",
      "session.revoked",
    ]);
  });

  it("never demotes or removes the last owner (409)", async () => {
    const owner = await settings.signup();
    const admin = await settings.addMember(owner.identity, "admin");
    const demote = await settings.request("PATCH", `/v1/settings/members/${owner.user.id}`, {
      as: owner.identity,
      body: { role: "admin" },
    });
    expect(demote.status).toBe(409);
    expect(demote.body.error.code).toBe("CONFLICT");
    const remove = await settings.request("DELETE", `/v1/settings/members/${owner.user.id}`, {
      as: owner.identity,
    });
    expect(remove.status).toBe(409);

    // With a second owner, one can step down.
    await settings.request("PATCH", `/v1/settings/members/${admin.id}`, {
      as: owner.identity,
      body: { role: "owner" },
    });
    const stepDown = await settings.request("PATCH", `/v1/settings/members/${owner.user.id}`, {
      as: owner.identity,
      body: { role: "member" },
    });
    expect(stepDown.status).toBe(200);
  });

  it("keeps one owner when two owners demote or remove each other at the same moment", async () => {
    for (let round = 0; round < 5; round++) {
      const first = await settings.signup();
      const second = await settings.addMember(first.identity, "owner");
      const [a, b] = await Promise.all([
        settings.request("PATCH", `/v1/settings/members/${second.id}`, {
          as: first.identity,
          body: { role: "member" },
        }),
        round % 2 === 0
          ? settings.request("PATCH", `/v1/settings/members/${first.user.id}`, {
              as: second.identity,
              body: { role: "admin" },
            })
          : settings.request("DELETE", `/v1/settings/members/${first.user.id}`, {
              as: second.identity,
            }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const owners = await settings.db
        .selectFrom("users")
        .select("id")
        .where("organization_id", "=", first.organization.id)
        .where("role", "=", "owner")
        .execute();
      expect(owners).toHaveLength(1);
    }
  });

  it("answers 404 for another organization's member and for an id that is not a UUID", async () => {
    const owner = await settings.signup();
    const other = await settings.signup();
    for (const id of [other.user.id, randomUUID(), "not-a-uuid"]) {
      const patch = await settings.request("PATCH", `/v1/settings/members/${id}`, {
        as: owner.identity,
        body: { role: "member" },
      });
      expect(patch.status).toBe(404);
      const remove = await settings.request("DELETE", `/v1/settings/members/${id}`, {
        as: owner.identity,
      });
      expect(remove.status).toBe(404);
    }
    expect((await settings.verify("session", other.token)).body.data.role).toBe("owner");
  });

  it("refuses member management to members and API keys", async () => {
    const owner = await settings.signup();
    const member = await settings.addMember(owner.identity, "member");
    const key = await settings.createApiKey(owner.identity);
    for (const [who, code] of [
      [member.identity, "FORBIDDEN"],
      [key.identity, "API_KEY_FORBIDDEN"],
    ] as const) {
      const list = await settings.request("GET", "/v1/settings/members", { as: who });
      expect(list.body.error?.code).toBe(code);
      const invite = await settings.request("POST", "/v1/settings/members", {
        as: who,
        body: { email: `x-${uniqueId()}@example.com`, name: "X", role: "admin" },
      });
      expect(invite.status).toBe(403);
      const patch = await settings.request("PATCH", `/v1/settings/members/${member.id}`, {
        as: who,
        body: { role: "admin" },
      });
      expect(patch.body.error?.code).toBe(code);
    }
  });
});
