import { useState, type FormEvent } from "react";
import { api, formatDate, WEBHOOK_EVENTS, type Webhook } from "../api";
import { Confirm, ErrorText, Feedback, SecretOnce, TextField, useFeedback } from "../ui";

/** What an endpoint is made of, as its create and edit forms hold it. */
export interface EndpointDraft {
  url: string;
  description: string;
  events: string[];
}

export const EMPTY_ENDPOINT: EndpointDraft = { url: "", description: "", events: [] };

/** The fields of an endpoint (URL, description, events), with the API's errors under them. */
export function EndpointFields({
  draft,
  onChange,
  errors,
}: {
  draft: EndpointDraft;
  onChange: (draft: EndpointDraft) => void;
  errors: Record<string, string>;
}) {
  return (
    <>
      <TextField
        label="Endpoint URL"
        type="url"
        required
        placeholder="https://example.com/clment"
        value={draft.url}
        onChange={(url) => onChange({ ...draft, url })}
        error={errors.url}
      />
      <TextField
        label="Description (optional)"
        maxLength={500}
        value={draft.description}
        onChange={(description) => onChange({ ...draft, description })}
        error={errors.description}
      />
      <EventPicker
        events={draft.events}
        onChange={(events) => onChange({ ...draft, events })}
        error={errors.events}
      />
    </>
  );
}

/** The events an endpoint subscribes to, as a group of checkboxes. */
function EventPicker({
  events,
  onChange,
  error,
}: {
  events: string[];
  onChange: (events: string[]) => void;
  error?: string;
}) {
  const toggle = (event: string, on: boolean) =>
    onChange(on ? [...events, event] : events.filter((e) => e !== event));
  return (
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
      <ErrorText error={error} />
    </fieldset>
  );
}

/**
 * Editing one endpoint (PATCH: url, description, events, enabled) and rotating its signing
 * secret: the new secret is shown once, and the previous one keeps signing for 24 hours.
 */
export function EditWebhook({
  webhook,
  onSaved,
  onClose,
}: {
  webhook: Webhook;
  onSaved: (webhook: Webhook) => void;
  onClose: () => void;
}) {
  const [draft, setDraft] = useState<EndpointDraft>({
    url: webhook.url,
    description: webhook.description,
    events: webhook.events,
  });
  const [enabled, setEnabled] = useState(webhook.enabled);
  const [rotating, setRotating] = useState(false);
  const [rotated, setRotated] = useState<{ secret: string; until: string | null } | undefined>(
    undefined,
  );
  const feedback = useFeedback();

  const save = (event: FormEvent) => {
    event.preventDefault();
    feedback.clear();
    api<{ webhook: Webhook }>("PATCH", `/v1/settings/webhooks/${webhook.id}`, {
      ...draft,
      enabled,
    }).then(({ webhook: saved }) => {
      feedback.done("Endpoint saved.");
      onSaved(saved);
    }, feedback.fail);
  };

  const rotate = () => {
    setRotating(false);
    feedback.clear();
    api<{ webhook: Webhook; secret: string }>(
      "POST",
      `/v1/settings/webhooks/${webhook.id}/rotate-secret`,
    ).then(({ webhook: saved, secret }) => {
      setRotated({ secret, until: saved.previousSecretExpiresAt });
      onSaved(saved);
    }, feedback.fail);
  };

  return (
    <section className="panel" aria-labelledby="edit-webhook-title">
      <h2 id="edit-webhook-title">Edit {webhook.url}</h2>
      <form onSubmit={save}>
        <EndpointFields draft={draft} onChange={setDraft} errors={feedback.fields} />
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          Enabled (a disabled endpoint gets no deliveries)
        </label>
        {!webhook.enabled && webhook.disabledReason && (
          <p className="hint">Disabled: {webhook.disabledReason}</p>
        )}
        <Feedback error={feedback.error} status={feedback.status} />
        <div className="buttons">
          <button type="submit">Save endpoint</button>
          <button type="button" onClick={() => setRotating(true)}>
            Rotate secret
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
      {rotating && (
        <Confirm
          question={`Rotate the signing secret of ${webhook.url}? A new secret is shown once. For 24 hours deliveries carry two signatures, one with the new secret and one with the old, so your receiver keeps verifying while you switch it over; then only the new one signs.`}
          confirmLabel="Rotate secret"
          onConfirm={rotate}
          onCancel={() => setRotating(false)}
        />
      )}
      {rotated && (
        <>
          <SecretOnce label={`New signing secret for ${webhook.url}`} secret={rotated.secret} />
          <p className="note">
            The previous secret still verifies deliveries until {formatDate(rotated.until)}. Put the
            new one in your receiver before then.
          </p>
        </>
      )}
    </section>
  );
}
