import { useEffect, useRef, useState } from "react";
import { api, errorMessage, type Session } from "../api";
import { ErrorText, Page, TextField } from "../ui";
import { useSubmit, type OnSession } from "./auth";

/** Where the identity provider sends the browser back; the gateway serves the console there. */
export const SSO_CALLBACK_PATH = "/sso/callback";

/** Signing in with SSO: the email finds the organization, then the browser goes to its provider. */
export function SsoSignInPage() {
  const [email, setEmail] = useState("");
  const { error, busy, onSubmit } = useSubmit(async () => {
    const { authorizationUrl } = await api<{ authorizationUrl: string }>(
      "GET",
      `/v1/auth/sso/start?email=${encodeURIComponent(email)}`,
    );
    const url = new URL(authorizationUrl);
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new Error("The identity provider's address is not a web address");
    }
    window.location.assign(url.href);
  });
  return (
    <Page title="Sign in with SSO">
      <p>Enter your work email: you continue at your organization&apos;s identity provider.</p>
      <form onSubmit={onSubmit}>
        <TextField
          label="Work email"
          type="email"
          required
          autoComplete="username"
          value={email}
          onChange={setEmail}
        />
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          Continue with SSO
        </button>
      </form>
      <p>
        <a href="#/signin">Sign in with a password instead</a>
      </p>
    </Page>
  );
}

/**
 * The provider's redirect (`/sso/callback?code&state&iss`) is read once when the console loads,
 * and its query (the single-use code and state) leaves the address and history at once, signed
 * in or not: the address becomes the bare callback path. Returns that query, if this load is one.
 */
export function takeSsoCallback(): string | undefined {
  if (window.location.pathname !== SSO_CALLBACK_PATH) return undefined;
  const query = window.location.search;
  window.history.replaceState(null, "", SSO_CALLBACK_PATH);
  return query;
}

/**
 * Completes a sign-in from the provider's redirect: hands its query to the API, which answers a
 * session, and the address becomes `/`. After a failure the address stays the bare callback path,
 * and the links load `/` afresh: this page is the only one outside the hash routes.
 */
export function SsoCallbackPage({ query, onSession }: { query: string; onSession: OnSession }) {
  const [error, setError] = useState<string | undefined>(undefined);
  // The state is single use: React's development double effect must not send it twice.
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    const complete = async () => {
      try {
        const { session } = await api<{ session: Session }>("GET", `/v1/auth/sso/callback${query}`);
        window.history.replaceState(null, "", "/");
        await onSession(session);
      } catch (failure) {
        setError(errorMessage(failure));
      }
    };
    void complete();
  }, [query, onSession]);
  return (
    <Page title="Signing in with SSO">
      {error ? (
        <>
          <ErrorText error={`Single sign-on did not complete. ${error}`} />
          <p>
            <a href="/#/sso">Try single sign-on again</a> or{" "}
            <a href="/#/signin">go back to sign in</a>.
          </p>
        </>
      ) : (
        <p role="status">Completing single sign-on…</p>
      )}
    </Page>
  );
}
