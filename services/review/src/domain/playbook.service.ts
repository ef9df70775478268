import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Identity } from "@clment/auth";
import { AppError } from "@clment/http";
import type { ReviewApp } from "../app.js";
import type { DB } from "../data/db.js";
import type { ListPage, SortOrder } from "../data/list.js";
import {
  PlaybookRepository,
  type PlaybookRecord,
  type PlaybookSortField,
} from "../data/playbook.repository.js";
import { CLAUSE_TYPES } from "../engine/clause-types.js";
import type { PlaybookRule, RuleInput } from "../engine/playbook.rules.js";
import {
  STANDARD_PLAYBOOK_DESCRIPTION,
  STANDARD_PLAYBOOK_NAME,
  standardRules,
} from "../engine/standard-playbook.js";
import { emit } from "./events.js";
import { resourceId } from "./ids.js";
import { playbookSnapshot, playbookView, type PlaybookView } from "./playbook.views.js";

export interface CreatePlaybook {
  name?: string;
  description?: string;
  rules?: RuleInput[];
  /** Copy the rules (and, unless given, the name and description) of another playbook. */
  copyFrom?: string;
}

export interface UpdatePlaybook {
  name?: string;
  description?: string;
  rules?: RuleInput[];
}

const TYPE_TITLES = new Map(CLAUSE_TYPES.map((t) => [t.id, t.title]));

/** Gives each rule an id: the one it brings if the playbook already has it, else a new one. */
function withIds(rules: RuleInput[], existing: readonly PlaybookRule[] = []): PlaybookRule[] {
  const known = new Set(existing.map((r) => r.id));
  const used = new Set<string>();
  return rules.map((rule) => {
    const id = rule.id && known.has(rule.id) && !used.has(rule.id) ? rule.id : randomUUID();
    used.add(id);
    return {
      id,
      title: rule.title ?? TYPE_TITLES.get(rule.clauseType)!,
      clauseType: rule.clauseType,
      requirement: rule.requirement,
      severity: rule.severity,
      parameters: rule.parameters,
      preferredText: rule.preferredText ?? null,
      fallbackText: rule.fallbackText ?? null,
    };
  });
}

/** Playbooks: the rules a review checks a contract against. */
export class PlaybookService {
  constructor(private readonly app: ReviewApp) {}

  async list(
    identity: Identity,
    sort: SortOrder<PlaybookSortField>,
    page: ListPage,
  ): Promise<{ playbooks: PlaybookView[]; total: number }> {
    const { items, total } = await new PlaybookRepository(this.app.db).list(
      identity.organizationId,
      sort,
      page,
    );
    return { playbooks: items.map(playbookView), total };
  }

  async get(identity: Identity, id: string): Promise<PlaybookView> {
    return playbookView(await this.find(identity, id));
  }

  /** The playbook record, for a review that snapshots its rules. */
  async find(identity: Identity, id: string): Promise<PlaybookRecord> {
    const playbook = await new PlaybookRepository(this.app.db).find(
      identity.organizationId,
      resourceId(id, "Playbook not found"),
    );
    if (!playbook) throw new AppError("NOT_FOUND", "Playbook not found");
    return playbook;
  }

  async create(identity: Identity, input: CreatePlaybook): Promise<PlaybookView> {
    const source = input.copyFrom ? await this.find(identity, input.copyFrom) : undefined;
    const name = input.name ?? (source ? `${source.name} (copy)` : undefined);
    if (!name) {
      throw new AppError("VALIDATION_ERROR", "Invalid body", [
        { path: "body.name", message: "is required unless copyFrom is given" },
      ]);
    }
    const rules = input.rules
      ? withIds(input.rules)
      : (source?.rules.map((rule) => ({ ...rule, id: randomUUID() })) ?? []);
    const record = await this.app.db.transaction().execute(async (trx) => {
      const created = await new PlaybookRepository(trx).insert(identity.organizationId, {
        name,
        description: input.description ?? source?.description ?? "",
        builtIn: false,
        rules,
      });
      await emit(trx, "playbook.created", identity.organizationId, {
        playbook: playbookSnapshot(created!),
      });
      return created!;
    });
    this.app.kickRelay();
    return playbookView(record);
  }

  async update(identity: Identity, id: string, changes: UpdatePlaybook): Promise<PlaybookView> {
    const current = await this.find(identity, id);
    if (current.builtIn) {
      throw new AppError(
        "CONFLICT",
        "The built-in playbook is read-only; copy it (POST /v1/playbooks with copyFrom) to change it",
      );
    }
    const record = await this.app.db.transaction().execute(async (trx) => {
      const updated = await new PlaybookRepository(trx).update(
        identity.organizationId,
        current.id,
        {
          ...changes,
          rules: changes.rules ? withIds(changes.rules, current.rules) : undefined,
        },
      );
      if (!updated) throw new AppError("NOT_FOUND", "Playbook not found");
      await emit(trx, "playbook.updated", identity.organizationId, {
        playbook: playbookSnapshot(updated),
      });
      return updated;
    });
    this.app.kickRelay();
    return playbookView(record);
  }

  async delete(identity: Identity, id: string): Promise<{ id: string; deleted: true }> {
    const current = await this.find(identity, id);
    if (current.builtIn) {
      throw new AppError("CONFLICT", "The built-in playbook cannot be deleted");
    }
    await this.app.db.transaction().execute(async (trx) => {
      const deleted = await new PlaybookRepository(trx).delete(identity.organizationId, current.id);
      if (!deleted) throw new AppError("NOT_FOUND", "Playbook not found");
      await emit(trx, "playbook.deleted", identity.organizationId, {
        playbook: { id: current.id, name: current.name },
      });
    });
    this.app.kickRelay();
    return { id: current.id, deleted: true };
  }

  /**
   * Gives a new organization its built-in standard playbook, in the transaction of the
   * `organization.created` event. Idempotent: a second call finds it there.
   */
  async createBuiltIn(trx: Kysely<DB>, organizationId: string): Promise<void> {
    const created = await new PlaybookRepository(trx).insert(organizationId, {
      name: STANDARD_PLAYBOOK_NAME,
      description: STANDARD_PLAYBOOK_DESCRIPTION,
      builtIn: true,
      rules: standardRules(),
    });
    if (created) {
      await emit(trx, "playbook.created", organizationId, { playbook: playbookSnapshot(created) });
    }
  }
}
