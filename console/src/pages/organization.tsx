import { useEffect, useState, type FormEvent } from "react";
import { api, errorMessage, type Organization } from "../api";
import { ErrorText, Page, useLoad } from "../ui";

function timezones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.("timeZone") ?? ["UTC"];
}

export function OrganizationPage({ onRenamed }: { onRenamed: (name: string) => void }) {
  const organization = useLoad(() =>
    api<{ organization: Organization }>("GET", "/v1/settings/organization"),
  );
  const [name, setName] = useState("");
  const [timezone, setTimezone] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [status, setStatus] = useState("");

  useEffect(() => {
    if (!organization.data) return;
    setName(organization.data.organization.name);
    setTimezone(organization.data.organization.timezone);
  }, [organization.data]);

  const save = (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setStatus("");
    api<{ organization: Organization }>("PATCH", "/v1/settings/organization", {
      name,
      timezone,
    }).then(
      ({ organization: saved }) => {
        setStatus("Saved.");
        onRenamed(saved.name);
      },
      (failure: unknown) => setError(errorMessage(failure)),
    );
  };

  const org = organization.data?.organization;
  return (
    <Page title="Organization">
      <ErrorText error={organization.error} />
      {org && (
        <p>
          Region <strong>{org.region}</strong>, API base URL <code>{org.baseUrl}</code>
        </p>
      )}
      <form onSubmit={save}>
        <label>
          Name
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Timezone
          <input
            required
            list="timezones"
            value={timezone}
            onChange={(e) => setTimezone(e.target.value)}
          />
        </label>
        <datalist id="timezones">
          {timezones().map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        <ErrorText error={error} />
        <button type="submit">Save</button>
        <p role="status">{status}</p>
      </form>
    </Page>
  );
}
