import { useId, useState, type FormEvent } from "react";
import { api, type Billing, type Plan } from "../api";
import { Confirm, Feedback, useFeedback } from "../ui";

const credits = (n: number) => `${n.toLocaleString("en-US")} credits a month`;

/**
 * What a plan change does, as credits' `changePlan` does it: an upgrade adds the difference to
 * this period's allowance at once; a downgrade keeps this period's credits and grants the
 * smaller allowance from the next period. Packs are not affected either way.
 */
function consequence(billing: Billing, to: Plan): string {
  const from = billing.availablePlans.find((plan) => plan.id === billing.plan);
  const change = `Switch from ${from?.name ?? billing.plan} (${credits(billing.monthlyAllowance)}) to ${to.name} (${credits(to.monthlyAllowance)})?`;
  const topUp = Math.max(0, to.monthlyAllowance - billing.allowance.granted);
  const now =
    to.monthlyAllowance > billing.monthlyAllowance
      ? topUp > 0
        ? `${topUp.toLocaleString("en-US")} credits are added to this period's allowance now`
        : "This period's allowance already covers it, so nothing is added now"
      : "This period keeps the credits it has";
  return `${change} ${now}; from ${new Date(billing.period.end).toLocaleDateString()} each period grants ${credits(to.monthlyAllowance)}. Credit packs are not affected.`;
}

/**
 * Billing → Plan: pick one of the plans billing lists, read what changes, confirm
 * (PUT /v1/settings/billing/plan).
 */
export function ChangePlan({ billing, onChanged }: { billing: Billing; onChanged: () => void }) {
  const [plan, setPlan] = useState(billing.plan);
  const [confirming, setConfirming] = useState(false);
  const feedback = useFeedback();
  const target = billing.availablePlans.find((p) => p.id === plan);
  const selectId = useId();

  const review = (event: FormEvent) => {
    event.preventDefault();
    feedback.clear();
    setConfirming(true);
  };

  const change = () => {
    setConfirming(false);
    api<{ billing: Billing }>("PUT", "/v1/settings/billing/plan", { plan }).then(() => {
      feedback.done(`Your plan is now ${target?.name ?? plan}.`);
      onChanged();
    }, feedback.fail);
  };

  return (
    <>
      <h2>Plan</h2>
      <form onSubmit={review} className="inline">
        <div className="field">
          <label htmlFor={selectId}>Plan</label>
          <select id={selectId} value={plan} onChange={(e) => setPlan(e.target.value)}>
            {billing.availablePlans.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} — {credits(p.monthlyAllowance)}
                {p.id === billing.plan ? " (current)" : ""}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={plan === billing.plan}>
          Change plan
        </button>
      </form>
      {confirming && target && (
        <Confirm
          question={consequence(billing, target)}
          confirmLabel={`Switch to ${target.name}`}
          onConfirm={change}
          onCancel={() => setConfirming(false)}
        />
      )}
      <Feedback error={feedback.error} status={feedback.status} />
    </>
  );
}
