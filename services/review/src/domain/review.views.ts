import type { FindingSnapshot, ReviewSnapshot } from "@clment/queue";
import type { FindingRecord } from "../data/finding.repository.js";
import type { ReviewRecord, ReviewSummary } from "../data/review.repository.js";
import { FINDING_STATUSES, type FindingDraft } from "../engine/review.types.js";
import { SEVERITIES } from "../engine/playbook.rules.js";

export function reviewView(record: ReviewRecord) {
  return {
    id: record.id,
    contractId: record.contractId,
    playbookId: record.playbookId,
    playbookName: record.playbookName,
    status: record.status,
    summary: record.status === "completed" ? record.summary : null,
    error: record.status === "failed" ? record.error : null,
    provider: record.provider,
    model: record.model,
    documentVersion: record.documentVersion,
    usage: record.usage,
    credits: {
      amount: record.credits,
      charged: record.chargedAt !== null,
      released: record.releasedAt !== null,
    },
    attempts: record.attempts,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    startedAt: record.startedAt?.toISOString() ?? null,
    completedAt: record.completedAt?.toISOString() ?? null,
  };
}

export type ReviewView = ReturnType<typeof reviewView>;

export function findingView(record: FindingRecord) {
  return {
    id: record.id,
    reviewId: record.reviewId,
    ruleId: record.ruleId,
    ruleTitle: record.details.ruleTitle,
    clauseType: record.clauseType,
    status: record.status,
    severity: record.severity,
    excerpt: record.excerpt,
    location: record.location,
    explanation: record.explanation,
    suggestion: record.suggestion,
    differences: record.details.differences,
    confidence: record.details.confidence,
    createdAt: record.createdAt.toISOString(),
  };
}

export type FindingView = ReturnType<typeof findingView>;

/** Counts by status, and by severity and status. */
export function summarize(
  findings: readonly Pick<FindingDraft, "status" | "severity">[],
): ReviewSummary {
  const zero = () =>
    Object.fromEntries(FINDING_STATUSES.map((s) => [s, 0])) as ReviewSummary["byStatus"];
  const summary: ReviewSummary = {
    total: findings.length,
    byStatus: zero(),
    bySeverity: Object.fromEntries(
      SEVERITIES.map((s) => [s, zero()]),
    ) as ReviewSummary["bySeverity"],
  };
  for (const finding of findings) {
    summary.byStatus[finding.status]++;
    summary.bySeverity[finding.severity][finding.status]++;
  }
  return summary;
}

export function reviewSnapshot(record: ReviewRecord): ReviewSnapshot {
  return {
    id: record.id,
    contractId: record.contractId,
    playbookId: record.playbookId,
    status: record.status,
    summary: record.summary,
    error: record.error,
  };
}

export function findingSnapshot(record: FindingRecord, contractId: string): FindingSnapshot {
  return {
    id: record.id,
    reviewId: record.reviewId,
    contractId,
    ruleId: record.ruleId,
    ruleTitle: record.details.ruleTitle,
    clauseType: record.clauseType,
    status: record.status,
    severity: record.severity,
    excerpt: record.excerpt,
    explanation: record.explanation,
    createdAt: record.createdAt.toISOString(),
  };
}
