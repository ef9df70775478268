import { useEffect, useState, type FormEvent } from "react";
import { api, formatDate } from "../api";
import type { SsoConfig } from "../settings-api";
import {
  Confirm,
  ErrorText,
  Feedback,
  Page,
  SecretField,
  TextField,
  useFeedback,
  useLoad,
} from "../ui";

/**
 * Settings → Single sign-on: the organization's OIDC provider (GET/PUT/DELETE /v1/settings/sso).
 * Admins see it; only owners change it (whoever controls the provider can sign in as anyone).
 */
export function SsoSettingsPage({ canEdit }: { canEdit: boolean }) {
  const sso = useLoad(() => api<{ sso: SsoConfig | null }>("GET", "/v1/settings/sso"));
  const [issuer, setIssuer] = useState("");
  const [clientId, setClientId] = useState("");
  const [clientSecret, setClientSecret] = useState("");
  const [domains, setDomains] = useState("");
  const [enforced, setEnforced] = useState(false);
  const [removing, setRemoving] = useState(false);
  const feedback = useFeedback();

  const config = sso.data?.sso ?? null;
  useEffect(() => {
    if (!config) return;
    setIssuer(config.issuer);
    setClientId(config.clientId);
    setDomains(config.allowedDomains.join(", "));
    setEnforced(config.enforced);
  }, [config]);

  const save = (event: FormEvent) => {
    event.preventDefault();
    feedback.clear();
    const allowedDomains = domains
      .split(/[\s,]+/)
      .map((domain) => domain.trim())
      .filter(Boolean);
    api<{ sso: SsoConfig }>("PUT", "/v1/settings/sso", {
      issuer,
      clientId,
      ...(clientSecret && { clientSecret }),
      allowedDomains,
      enforced,
    }).then(() => {
      setClientSecret("");
      feedback.done("Single sign-on saved.");
      sso.reload();
    }, feedback.fail);
  };

  const remove = () => {
    setRemoving(false);
    api("DELETE", "/v1/settings/sso").then(() => {
      setIssuer("");
      setClientId("");
      setDomains("");
      setEnforced(false);
      feedback.done("Single sign-on removed.");
      sso.reload();
    }, feedback.fail);
  };

  const errors = feedback.fields;
  return (
    <Page title="Single sign-on">
      <p>
        Let people sign in through your identity provider (OpenID Connect). Register this redirect
        URI with the provider: <code>{`${window.location.origin}/sso/callback`}</code>
      </p>
      <ErrorText error={sso.error} />
      <p data-testid="sso-state">
        {config
          ? `Configured, last changed ${formatDate(config.updatedAt)}.`
          : "Not configured: everyone signs in with a password."}
      </p>
      {!canEdit && (
        <p className="note" data-testid="sso-owner-only">
          Only owners can change single sign-on: whoever controls the identity provider can sign in
          as anyone it vouches for.
        </p>
      )}
      <form onSubmit={save}>
        <fieldset className="plain" disabled={!canEdit}>
          <TextField
            label="Issuer URL"
            type="url"
            required
            placeholder="https://login.example.com"
            value={issuer}
            onChange={setIssuer}
            error={errors.issuer}
          />
          <TextField
            label="Client ID"
            required
            value={clientId}
            onChange={setClientId}
            error={errors.clientId}
          />
          <SecretField
            label="Client secret"
            stored={config?.clientSecret.set ?? false}
            value={clientSecret}
            onChange={setClientSecret}
            error={errors.clientSecret}
          />
          <TextField
            label="Allowed email domains"
            placeholder="example.com, example.org"
            hint="Comma-separated. A verified email at one of these domains signs in with SSO; someone new joins as a member."
            value={domains}
            onChange={setDomains}
            error={errors.allowedDomains}
          />
          <label className="check">
            <input
              type="checkbox"
              checked={enforced}
              onChange={(e) => setEnforced(e.target.checked)}
              aria-describedby="sso-enforced-note"
            />
            Require single sign-on
          </label>
          <p className="note" id="sso-enforced-note">
            When required, admins and members can no longer sign in with a password. Owners keep
            their password as a break-glass path, so a broken or misconfigured provider cannot lock
            the organization out; such sign-ins are flagged in the audit log. Keep owners few and
            their passwords strong.
          </p>
        </fieldset>
        <Feedback error={feedback.error} status={feedback.status} />
        {canEdit && (
          <div className="buttons">
            <button type="submit">Save single sign-on</button>
            {config && (
              <button type="button" className="danger" onClick={() => setRemoving(true)}>
                Remove single sign-on
              </button>
            )}
          </div>
        )}
      </form>
      {removing && (
        <Confirm
          question="Remove single sign-on? Its configuration and requirement are deleted. People who joined through SSO have no password: they cannot sign in until SSO is set up again."
          confirmLabel="Remove SSO"
          onConfirm={remove}
          onCancel={() => setRemoving(false)}
        />
      )}
    </Page>
  );
}
