import { useState, type FormEvent } from "react";
import { api, formatDate } from "../api";
import { INTEGRATIONS, type Integration, type IntegrationField } from "../settings-api";
import { Confirm, ErrorText, Feedback, SecretField, TextField, useFeedback, useLoad } from "../ui";

/**
 * Cloud storage integrations (GET /v1/settings/integrations, PUT/DELETE .../:provider): one form
 * per provider. Secrets are write-only: the API says whether each is stored, a blank field keeps
 * it, and the first save must include them.
 */
export function Integrations() {
  const integrations = useLoad(() =>
    api<{ integrations: Integration[] }>("GET", "/v1/settings/integrations"),
  );
  return (
    <>
      <h2>Cloud integrations</h2>
      <p>
        Connect the storage your contracts live in. Secrets are stored encrypted and never shown.
      </p>
      <ErrorText error={integrations.error} />
      {integrations.data &&
        INTEGRATIONS.map((definition) => {
          const current = integrations.data?.integrations.find(
            (integration) => integration.provider === definition.provider,
          );
          return (
            <IntegrationForm
              key={definition.provider}
              {...definition}
              current={current}
              onChanged={integrations.reload}
            />
          );
        })}
    </>
  );
}

function IntegrationForm({
  provider,
  name,
  fields,
  current,
  onChanged,
}: {
  provider: string;
  name: string;
  fields: IntegrationField[];
  current: Integration | undefined;
  onChanged: () => void;
}) {
  const config = current?.config ?? null;
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      fields.map((field) => {
        const value = config?.[field.name];
        return [field.name, typeof value === "string" ? value : ""];
      }),
    ),
  );
  /** Empties the secret fields (after a save), or every field (after a removal). */
  const blank = (which: (field: IntegrationField) => boolean) =>
    setValues((current) => ({
      ...current,
      ...Object.fromEntries(fields.filter(which).map((field) => [field.name, ""])),
    }));
  const [removing, setRemoving] = useState(false);
  const feedback = useFeedback();
  const headingId = `integration-${provider}`;

  const isStored = (field: IntegrationField) => {
    const value = config?.[field.name];
    return typeof value === "object" && value.set;
  };

  const save = (event: FormEvent) => {
    event.preventDefault();
    feedback.clear();
    // Blank optional fields and blank secrets are left out: no value, or keep the stored one.
    const body = Object.fromEntries(
      fields.map((field) => [field.name, values[field.name]]).filter(([, value]) => value),
    );
    api<{ integration: Integration }>("PUT", `/v1/settings/integrations/${provider}`, body).then(
      () => {
        blank((field) => field.secret === true);
        feedback.done(`${name} saved.`);
        onChanged();
      },
      feedback.fail,
    );
  };

  const remove = () => {
    setRemoving(false);
    api("DELETE", `/v1/settings/integrations/${provider}`).then(() => {
      blank(() => true);
      feedback.done(`${name} removed.`);
      onChanged();
    }, feedback.fail);
  };

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h3 id={headingId}>{name}</h3>
      <p className="hint" data-testid={`integration-state-${provider}`}>
        {current?.configured
          ? `Connected, updated ${formatDate(current.updatedAt)}`
          : "Not connected"}
      </p>
      <form onSubmit={save}>
        {fields.map((field) =>
          field.secret ? (
            <SecretField
              key={field.name}
              label={field.label}
              stored={isStored(field)}
              value={values[field.name] ?? ""}
              onChange={(value) => setValues({ ...values, [field.name]: value })}
              error={feedback.fields[field.name]}
            />
          ) : (
            <TextField
              key={field.name}
              label={field.label}
              type={field.type}
              required={field.required}
              hint={field.hint}
              value={values[field.name] ?? ""}
              onChange={(value) => setValues({ ...values, [field.name]: value })}
              error={feedback.fields[field.name]}
            />
          ),
        )}
        <Feedback error={feedback.error} status={feedback.status} />
        <div className="buttons">
          <button type="submit">Save {name}</button>
          {current?.configured && (
            <button type="button" className="danger" onClick={() => setRemoving(true)}>
              Remove {name}
            </button>
          )}
        </div>
      </form>
      {removing && (
        <Confirm
          question={`Remove the ${name} integration? Its settings and stored secrets are deleted.`}
          confirmLabel="Remove integration"
          onConfirm={remove}
          onCancel={() => setRemoving(false)}
        />
      )}
    </section>
  );
}
