import type { PlaybookSnapshot } from "@clment/queue";
import type { PlaybookRecord } from "../data/playbook.repository.js";
import type { PlaybookRule } from "../engine/playbook.rules.js";

export interface PlaybookView {
  id: string;
  name: string;
  description: string;
  /** The organization's built-in standard playbook: read-only, copy it to change it. */
  builtIn: boolean;
  rules: PlaybookRule[];
  createdAt: string;
  updatedAt: string;
}

export function playbookView(record: PlaybookRecord): PlaybookView {
  return {
    id: record.id,
    name: record.name,
    description: record.description,
    builtIn: record.builtIn,
    rules: record.rules.map((rule) => ({
      id: rule.id,
      title: rule.title,
      clauseType: rule.clauseType,
      requirement: rule.requirement,
      severity: rule.severity,
      parameters: rule.parameters,
      preferredText: rule.preferredText ?? null,
      fallbackText: rule.fallbackText ?? null,
    })),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

export function playbookSnapshot(record: PlaybookRecord): PlaybookSnapshot {
  return {
    id: record.id,
    name: record.name,
    description: record.description,
    builtIn: record.builtIn,
    rules: record.rules.map((r) => ({ id: r.id, title: r.title, clauseType: r.clauseType })),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
