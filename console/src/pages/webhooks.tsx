import { useState, type FormEvent } from "react";
import { api, errorMessage, formatDate, WEBHOOK_EVENTS, type Delivery, type Webhook } from "../api";
import { Confirm, ErrorText, Page, SecretOnce, useLoad } from "../ui";

export function WebhooksPage() {
  const webhooks = useLoad(() =>
    api<{ webhooks: Webhook[]; total: number }>("GET", "/v1/settings/webhooks?take=100"),
  );
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>([]);
  const [created, setCreated] = useState<{ url: string; secret: string } | undefined>(undefined);
  const [selected, setSelected] = useState<Webhook | undefined>(undefined);
  const [deleting, setDeleting] = useState<Webhook | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  const fail = (failure: unknown) => setError(errorMessage(failure));

  const toggle = (event: string, on: boolean) =>
    setEvents((current) => (on ? [...current, event] : current.filter((e) => e !== event)));

  const create = (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    if (events.length === 0) {
      setError("Pick at least one event.");
      return;
    }
    api<{ webhook: Webhook; secret: string }>("POST", "/v1/settings/webhooks", {
      url,
      events,
    }).then(({ webhook, secret }) => {
      setCreated({ url: webhook.url, secret });
      setUrl("");
      setEvents([]);
      webhooks.reload();
    }, fail);
  };

  const remove = (webhook: Webhook) => {
    setDeleting(undefined);
    if (selected?.id === webhook.id) setSelected(undefined);
    api("DELETE", `/v1/settings/webhooks/${webhook.id}`).then(() => webhooks.reload(), fail);
  };

  return (
    <Page title="Webhooks">
      <h2>Add an endpoint</h2>
      <form onSubmit={create}>
        <label>
          Endpoint URL
          <input
            type="url"
            required
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://example.com/clment"
          />
        </label>
        <fieldset>
          <legend>Events</legend>
          {WEBHOOK_EVENTS.map((name) => (
            <label key={name} className="check">
              <input
                type="checkbox"
                checked={events.includes(name)}
                onChange={(e) => toggle(name, e.target.checked)}
              />
              {name}
            </label>
          ))}
        </fieldset>
        <button type="submit">Add endpoint</button>
      </form>
      <ErrorText error={error} />
      {created && (
        <SecretOnce label={`Signing secret for ${created.url}`} secret={created.secret} />
      )}

      <h2>Endpoints</h2>
      <ErrorText error={webhooks.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Events</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {webhooks.data?.webhooks.map((webhook) => (
            <tr key={webhook.id}>
              <td>
                <code>{webhook.url}</code>
              </td>
              <td>{webhook.events.join(", ")}</td>
              <td>
                {webhook.enabled
                  ? "Enabled"
                  : `Disabled${webhook.disabledReason ? `: ${webhook.disabledReason}` : ""}`}
              </td>
              <td>
                <button
                  type="button"
                  onClick={() => setSelected(webhook)}
                  aria-label={`Deliveries of ${webhook.url}`}
                >
                  Deliveries
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() => setDeleting(webhook)}
                  aria-label={`Delete ${webhook.url}`}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {deleting && (
        <Confirm
          question={`Delete the endpoint ${deleting.url}?`}
          confirmLabel="Delete endpoint"
          onConfirm={() => remove(deleting)}
          onCancel={() => setDeleting(undefined)}
        />
      )}
      {selected && <Deliveries key={selected.id} webhook={selected} />}
    </Page>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const deliveries = useLoad(
    () =>
      api<{ deliveries: Delivery[]; total: number }>(
        "GET",
        `/v1/settings/webhooks/${webhook.id}/deliveries?take=50`,
      ),
    [webhook.id],
  );
  const [error, setError] = useState<string | undefined>(undefined);
  const [status, setStatus] = useState("");

  const sendTest = () => {
    setError(undefined);
    api<{ delivery: Delivery }>("POST", `/v1/settings/webhooks/${webhook.id}/test`).then(
      () => {
        setStatus("Test event queued.");
        deliveries.reload();
      },
      (failure: unknown) => setError(errorMessage(failure)),
    );
  };

  const redeliver = (delivery: Delivery) => {
    api("POST", `/v1/settings/webhooks/${webhook.id}/deliveries/${delivery.id}/redeliver`).then(
      () => {
        setStatus("Redelivery queued.");
        deliveries.reload();
      },
      (failure: unknown) => setError(errorMessage(failure)),
    );
  };

  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries to {webhook.url}</h2>
      <div className="buttons">
        <button type="button" onClick={sendTest}>
          Send test event
        </button>
        <button type="button" onClick={deliveries.reload}>
          Refresh
        </button>
      </div>
      <ErrorText error={error ?? deliveries.error} />
      <p role="status">{status}</p>
      <table>
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">HTTP</th>
            <th scope="col">Attempts</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody data-testid="deliveries">
          {deliveries.data?.deliveries.map((delivery) => (
            <tr key={delivery.id}>
              <td>{formatDate(delivery.createdAt)}</td>
              <td>{delivery.eventType}</td>
              <td>{delivery.status}</td>
              <td>{delivery.statusCode ?? delivery.error ?? "—"}</td>
              <td>{delivery.attemptCount}</td>
              <td>
                <button
                  type="button"
                  onClick={() => redeliver(delivery)}
                  aria-label={`Redeliver ${delivery.eventType} ${delivery.id}`}
                >
                  Redeliver
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
