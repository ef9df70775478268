import { useRef, useState, type FormEvent } from "react";
import { api, errorMessage, formatDate, type ApiKey, type Member } from "../api";
import { Confirm, ErrorText, Page, SecretOnce, Table, useLoad } from "../ui";
import { Integrations } from "./integrations";

function keyStatus(key: ApiKey): string {
  if (key.revokedAt) return `Revoked ${formatDate(key.revokedAt)}`;
  if (key.expiresAt && new Date(key.expiresAt) <= new Date()) return "Expired";
  return "Active";
}

export function ApiKeysPage() {
  const keys = useLoad(() =>
    api<{ apiKeys: ApiKey[]; total: number }>("GET", "/v1/settings/api-keys?take=100"),
  );
  const members = useLoad(() => api<{ members: Member[] }>("GET", "/v1/settings/members?take=100"));
  const [label, setLabel] = useState("");
  const [expiresInDays, setExpiresInDays] = useState("");
  const [created, setCreated] = useState<{ label: string; secret: string } | undefined>(undefined);
  const [revoking, setRevoking] = useState<ApiKey | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [status, setStatus] = useState("");
  /** Where focus goes once a revoked key's button is gone. */
  const listHeading = useRef<HTMLHeadingElement>(null);

  const creator = (id: string) => {
    const member = members.data?.members.find((m) => m.id === id);
    return member ? member.name || member.email : id;
  };

  const create = (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setStatus("");
    const body = { label, ...(expiresInDays ? { expiresInDays: Number(expiresInDays) } : {}) };
    api<{ apiKey: ApiKey; secret: string }>("POST", "/v1/settings/api-keys", body).then(
      ({ apiKey, secret }) => {
        setCreated({ label: apiKey.label, secret });
        setLabel("");
        keys.reload();
      },
      (failure: unknown) => setError(errorMessage(failure)),
    );
  };

  const revoke = (key: ApiKey) => {
    setRevoking(undefined);
    setError(undefined);
    api("POST", `/v1/settings/api-keys/${key.id}/revoke`).then(
      () => {
        setStatus(`The key “${key.label}” is revoked.`);
        listHeading.current?.focus();
        keys.reload();
      },
      (failure: unknown) => setError(errorMessage(failure)),
    );
  };

  return (
    <Page title="API & Integrations">
      <h2>Create an API key</h2>
      <form onSubmit={create} className="inline">
        <label>
          Label
          <input
            required
            maxLength={100}
            value={label}
            onChange={(e) => setLabel(e.target.value)}
          />
        </label>
        <label>
          Expires
          <select value={expiresInDays} onChange={(e) => setExpiresInDays(e.target.value)}>
            <option value="">Never</option>
            {[7, 30, 60, 90, 365].map((days) => (
              <option key={days} value={days}>
                In {days} days
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Create key</button>
      </form>
      <ErrorText error={error} />
      <p role="status">{status}</p>
      {created && (
        <SecretOnce label={`Secret of the new key “${created.label}”`} secret={created.secret} />
      )}

      <h2 ref={listHeading} tabIndex={-1}>
        API keys
      </h2>
      <ErrorText error={keys.error} />
      <Table
        columns={["Label", "Prefix", "Created by", "Created", "Last used", "Expires", "Status"]}
        actions
        empty="No API keys yet."
      >
        {keys.data?.apiKeys.map((key) => (
          <tr key={key.id} data-testid={`api-key-${key.label}`}>
            <td>{key.label}</td>
            <td>
              <code>{key.prefix}</code>
            </td>
            <td>{creator(key.createdBy)}</td>
            <td>{formatDate(key.createdAt)}</td>
            <td>{key.lastUsedAt ? formatDate(key.lastUsedAt) : "Never"}</td>
            <td>{key.expiresAt ? formatDate(key.expiresAt) : "Never"}</td>
            <td>{keyStatus(key)}</td>
            <td>
              {!key.revokedAt && (
                <button
                  type="button"
                  className="danger"
                  onClick={() => setRevoking(key)}
                  aria-label={`Revoke ${key.label}`}
                >
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </Table>
      {revoking && (
        <Confirm
          question={`Revoke the key “${revoking.label}”? Anything using it stops working at once.`}
          confirmLabel="Revoke key"
          onConfirm={() => revoke(revoking)}
          onCancel={() => setRevoking(undefined)}
        />
      )}

      <Integrations />
    </Page>
  );
}
