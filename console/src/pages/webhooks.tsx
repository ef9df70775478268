import { useRef, useState, type FormEvent } from "react";
import { api, type Webhook } from "../api";
import { Confirm, Feedback, Page, SecretOnce, Table, useFeedback, useLoad } from "../ui";
import { Deliveries } from "./webhook-deliveries";
import { EditWebhook, EMPTY_ENDPOINT, EndpointFields, type EndpointDraft } from "./webhook-edit";

export function WebhooksPage() {
  const webhooks = useLoad(() =>
    api<{ webhooks: Webhook[]; total: number }>("GET", "/v1/settings/webhooks?take=100"),
  );
  const [draft, setDraft] = useState<EndpointDraft>(EMPTY_ENDPOINT);
  const [created, setCreated] = useState<{ url: string; secret: string } | undefined>(undefined);
  const [selected, setSelected] = useState<Webhook | undefined>(undefined);
  const [editing, setEditing] = useState<Webhook | undefined>(undefined);
  const [deleting, setDeleting] = useState<Webhook | undefined>(undefined);
  const feedback = useFeedback();
  /** Where focus goes once a deleted endpoint's buttons are gone. */
  const listHeading = useRef<HTMLHeadingElement>(null);

  const create = (event: FormEvent) => {
    event.preventDefault();
    feedback.clear();
    if (draft.events.length === 0) {
      feedback.fail(new Error("Pick at least one event."));
      return;
    }
    api<{ webhook: Webhook; secret: string }>("POST", "/v1/settings/webhooks", {
      url: draft.url,
      events: draft.events,
      ...(draft.description && { description: draft.description }),
    }).then(({ webhook, secret }) => {
      setCreated({ url: webhook.url, secret });
      setDraft(EMPTY_ENDPOINT);
      webhooks.reload();
    }, feedback.fail);
  };

  const remove = (webhook: Webhook) => {
    setDeleting(undefined);
    if (selected?.id === webhook.id) setSelected(undefined);
    if (editing?.id === webhook.id) setEditing(undefined);
    api("DELETE", `/v1/settings/webhooks/${webhook.id}`).then(() => {
      feedback.done(`Deleted the endpoint ${webhook.url}.`);
      listHeading.current?.focus();
      webhooks.reload();
    }, feedback.fail);
  };

  return (
    <Page title="Webhooks">
      <h2>Add an endpoint</h2>
      <form onSubmit={create}>
        <EndpointFields draft={draft} onChange={setDraft} errors={feedback.fields} />
        <button type="submit">Add endpoint</button>
      </form>
      <Feedback error={feedback.error ?? webhooks.error} status={feedback.status} />
      {created && (
        <SecretOnce label={`Signing secret for ${created.url}`} secret={created.secret} />
      )}

      <h2 ref={listHeading} tabIndex={-1}>
        Endpoints
      </h2>
      <Table columns={["URL", "Events", "Status"]} actions empty="No endpoints yet.">
        {webhooks.data?.webhooks.map((webhook) => (
          <tr key={webhook.id} data-testid={`webhook-${webhook.url}`}>
            <td>
              <code>{webhook.url}</code>
              {webhook.description && <div className="hint">{webhook.description}</div>}
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
                onClick={() => setEditing(webhook)}
                aria-label={`Edit ${webhook.url}`}
              >
                Edit
              </button>
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
      </Table>
      {deleting && (
        <Confirm
          question={`Delete the endpoint ${deleting.url}?`}
          confirmLabel="Delete endpoint"
          onConfirm={() => remove(deleting)}
          onCancel={() => setDeleting(undefined)}
        />
      )}
      {editing && (
        <EditWebhook
          key={`edit-${editing.id}`}
          webhook={editing}
          onSaved={(saved) => {
            setEditing(saved);
            webhooks.reload();
          }}
          onClose={() => setEditing(undefined)}
        />
      )}
      {selected && <Deliveries key={`deliveries-${selected.id}`} webhook={selected} />}
    </Page>
  );
}
