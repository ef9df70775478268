import { useState } from "react";
import { api, errorMessage, formatDate, type Billing, type LedgerEntry } from "../api";
import { Confirm, ErrorText, Page, Table, useLoad } from "../ui";
import { ChangePlan } from "./plan";

export function BillingPage() {
  const billing = useLoad(() => api<{ billing: Billing }>("GET", "/v1/settings/billing"));
  const ledger = useLoad(() =>
    api<{ entries: LedgerEntry[]; total: number }>("GET", "/v1/settings/billing/ledger?take=50"),
  );
  const [buying, setBuying] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [status, setStatus] = useState("");

  const buy = (size: number) => {
    setBuying(undefined);
    setError(undefined);
    api("POST", "/v1/settings/billing/credit-packs", { size }).then(
      () => {
        setStatus(`Bought a pack of ${size} credits.`);
        billing.reload();
        ledger.reload();
      },
      (failure: unknown) => setError(errorMessage(failure)),
    );
  };

  const b = billing.data?.billing;
  return (
    <Page title="Billing">
      <ErrorText error={billing.error} />
      {b && (
        <dl className="facts">
          <dt>Plan</dt>
          <dd>{b.plan}</dd>
          <dt>Period</dt>
          <dd>
            {b.period.start} – {b.period.end}
          </dd>
          <dt>Monthly allowance</dt>
          <dd>
            {b.allowance.granted - b.allowance.remaining} of {b.allowance.granted} used
          </dd>
          <dt>Balance</dt>
          <dd data-testid="balance-total">{b.balance.total}</dd>
          <dt>From packs</dt>
          <dd>{b.balance.packs}</dd>
        </dl>
      )}

      {b && (
        <ChangePlan
          billing={b}
          onChanged={() => {
            billing.reload();
            ledger.reload();
          }}
        />
      )}

      <h2>Buy credits</h2>
      {b && (
        <>
          <p>
            Pack credits are used after the monthly allowance, oldest pack first, and last{" "}
            {b.packValidityMonths} months.
          </p>
          <div className="buttons">
            {b.packSizes.map((size) => (
              <button type="button" key={size} onClick={() => setBuying(size)}>
                Buy {size} credits
              </button>
            ))}
          </div>
        </>
      )}
      {buying !== undefined && (
        <Confirm
          question={`Buy a pack of ${buying} credits?`}
          confirmLabel="Buy pack"
          onConfirm={() => buy(buying)}
          onCancel={() => setBuying(undefined)}
        />
      )}
      <ErrorText error={error} />
      <p role="status">{status}</p>

      <h2>Credit packs</h2>
      <Table columns={["Size", "Remaining", "Purchased", "Expires"]} empty="No packs bought.">
        {b?.packs.map((pack) => (
          <tr key={pack.id}>
            <td>{pack.size}</td>
            <td>{pack.remaining}</td>
            <td>{formatDate(pack.purchasedAt)}</td>
            <td>{formatDate(pack.expiresAt)}</td>
          </tr>
        ))}
      </Table>

      <h2>Ledger</h2>
      <ErrorText error={ledger.error} />
      <Table columns={["When", "Kind", "Operation", "Bucket", "Change"]} empty="No entries yet.">
        {ledger.data?.entries.map((entry) => (
          <tr key={entry.id}>
            <td>{formatDate(entry.createdAt)}</td>
            <td>{entry.kind}</td>
            <td>{entry.operation ?? "—"}</td>
            <td>{entry.bucket ?? "—"}</td>
            <td>{entry.balanceChange}</td>
          </tr>
        ))}
      </Table>
    </Page>
  );
}
