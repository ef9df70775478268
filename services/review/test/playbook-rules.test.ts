import { describe, expect, it } from "@jest/globals";
import { clauseTypeCatalogue, CLAUSE_TYPE_IDS } from "../src/engine/clause-types.js";
import { rulesInput } from "../src/engine/playbook.rules.js";
import { STANDARD_RULES } from "../src/engine/standard-playbook.js";

describe("playbook rules", () => {
  it("validates each rule's parameters against its clause type's schema", () => {
    const parsed = rulesInput.safeParse([
      { clauseType: "payment_terms", parameters: { maxNetDays: 30 } },
      { clauseType: "governing_law", parameters: { allowedJurisdictions: ["Delaware"] } },
    ]);
    expect(parsed.success).toBe(true);
    expect(parsed.data![0]).toMatchObject({ requirement: "required", severity: "medium" });
  });

  it("names an unknown parameter, a wrong type and a missing required parameter", () => {
    const parsed = rulesInput.safeParse([
      { clauseType: "payment_terms", parameters: { maxNetDays: "thirty", capMonths: 3 } },
      { clauseType: "governing_law", parameters: {} },
      { clauseType: "force_majeure", parameters: {} },
    ]);
    expect(parsed.success).toBe(false);
    const paths = parsed.error!.issues.map((issue) => issue.path.join("."));
    expect(paths).toEqual(
      expect.arrayContaining([
        "0.parameters.maxNetDays",
        "0.parameters.capMonths",
        "1.parameters.allowedJurisdictions",
        "2.clauseType",
      ]),
    );
  });

  it("serves a catalogue of every clause type with a JSON Schema of its parameters", () => {
    const catalogue = clauseTypeCatalogue();
    expect(catalogue.map((t) => t.id)).toEqual([...CLAUSE_TYPE_IDS]);
    const liability = catalogue.find((t) => t.id === "limitation_of_liability")!;
    expect(liability.parameters).toMatchObject({
      type: "object",
      additionalProperties: false,
      properties: { maxCapMonths: { type: "number" }, allowedCarveOuts: { type: "array" } },
    });
    const law = catalogue.find((t) => t.id === "governing_law")!;
    expect(law.parameters).toMatchObject({ required: ["allowedJurisdictions"] });
  });

  it("has standard rules that pass their own validation, one per clause type", () => {
    const parsed = rulesInput.safeParse(STANDARD_RULES);
    expect(parsed.success).toBe(true);
    expect(STANDARD_RULES.map((r) => r.clauseType).sort()).toEqual([...CLAUSE_TYPE_IDS].sort());
  });
});
