import { api, type Balance, type Me } from "../api";
import { ErrorText, Page, useLoad } from "../ui";

export function WorkspacePage({ me }: { me: Me }) {
  const credits = useLoad(() => api<{ balance: Balance; plan: string }>("GET", "/v1/credits"));
  return (
    <Page title="Workspace">
      <p>
        You are signed in to <strong>{me.organization.name}</strong> (region{" "}
        {me.organization.region}).
      </p>
      <ErrorText error={credits.error} />
      {credits.data && (
        <dl>
          <dt>Plan</dt>
          <dd>{credits.data.plan}</dd>
          <dt>Credits available</dt>
          <dd data-testid="workspace-balance">{credits.data.balance.total}</dd>
        </dl>
      )}
      <p>
        Contracts, reviews and playbooks are available through the API at{" "}
        <code>{me.organization.baseUrl}</code>; see the <a href="/docs">API reference</a>.
      </p>
    </Page>
  );
}
