import { z } from "zod";
import { CLAUSE_PARAMETER_SCHEMAS, ClauseTypeId, isClauseTypeId } from "./clause-types.js";

export const REQUIREMENTS = ["required", "prohibited"] as const;
export const SEVERITIES = ["high", "medium", "low"] as const;
export type Requirement = (typeof REQUIREMENTS)[number];
export type Severity = (typeof SEVERITIES)[number];

/** A playbook rule as stored and shown: `{ id, title, clauseType, requirement, … }`. */
export interface PlaybookRule {
  id: string;
  title: string;
  clauseType: ClauseTypeId;
  requirement: Requirement;
  severity: Severity;
  parameters: Record<string, unknown>;
  preferredText: string | null;
  fallbackText: string | null;
}

const text = (max: number) => z.string().trim().min(1).max(max);

/**
 * A rule as a client sends it. `parameters` are checked against the clause type's schema, so an
 * unknown parameter or a value of the wrong type is a 400 naming the parameter.
 */
export const ruleInput = z
  .object({
    id: z.uuid().optional(),
    title: text(200).optional(),
    clauseType: ClauseTypeId,
    requirement: z.enum(REQUIREMENTS).default("required"),
    severity: z.enum(SEVERITIES).default("medium"),
    parameters: z.record(z.string(), z.unknown()).default({}),
    preferredText: text(10_000).nullish(),
    fallbackText: text(10_000).nullish(),
  })
  .strict()
  .superRefine((rule, context) => {
    if (!isClauseTypeId(rule.clauseType)) return;
    const parsed = CLAUSE_PARAMETER_SCHEMAS[rule.clauseType].safeParse(rule.parameters);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          context.addIssue({
            code: "custom",
            path: ["parameters", key],
            message: `is not a parameter of ${rule.clauseType}`,
          });
        }
      } else {
        context.addIssue({
          code: "custom",
          path: ["parameters", ...issue.path.map(String)],
          message: issue.message,
        });
      }
    }
  })
  .transform((rule) => ({
    ...rule,
    // Stored as parsed by the type's schema (strict, so nothing is dropped).
    parameters: CLAUSE_PARAMETER_SCHEMAS[rule.clauseType].parse(rule.parameters) as Record<
      string,
      unknown
    >,
  }));

export type RuleInput = z.output<typeof ruleInput>;

export const rulesInput = z.array(ruleInput).max(100);
