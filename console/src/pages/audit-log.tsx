import { useState } from "react";
import { api, formatDate, type AuditEntry } from "../api";
import { ErrorText, Page, Table, useLoad } from "../ui";

const TAKE = 25;

export function AuditLogPage() {
  const [skip, setSkip] = useState(0);
  const log = useLoad(
    () =>
      api<{ entries: AuditEntry[]; total: number }>(
        "GET",
        `/v1/settings/audit-log?skip=${skip}&take=${TAKE}`,
      ),
    [skip],
  );
  const total = log.data?.total ?? 0;
  return (
    <Page title="Audit log">
      <ErrorText error={log.error} />
      <Table columns={["When", "Action", "Actor", "Target"]} empty="Nothing recorded yet.">
        {log.data?.entries.map((entry) => (
          <tr key={entry.id}>
            <td>{formatDate(entry.createdAt)}</td>
            <td>{entry.action}</td>
            <td>
              {entry.actor.type} <code>{entry.actor.id}</code>
            </td>
            <td>{entry.target ? `${entry.target.type} ${entry.target.id}` : "—"}</td>
          </tr>
        ))}
      </Table>
      <nav aria-label="Audit log pages" className="buttons">
        <button
          type="button"
          disabled={skip === 0}
          onClick={() => setSkip(Math.max(0, skip - TAKE))}
        >
          Newer
        </button>
        <span>
          {total === 0 ? 0 : skip + 1}–{Math.min(skip + TAKE, total)} of {total}
        </span>
        <button type="button" disabled={skip + TAKE >= total} onClick={() => setSkip(skip + TAKE)}>
          Older
        </button>
      </nav>
    </Page>
  );
}
