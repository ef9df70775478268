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
 * The provider's redirect (`/sso/callback?code&state&iss`): hands its query to the API, which
 * answers a session. The address is then replaced (`/`, or the bare callback path after a
 * failure), so the single-use code and state do not stay in the history or address bar. The
 * links after a failure load `/` afresh: this page is the only one outside the hash routes.
 */
export function SsoCallbackPage({ onSession }: { onSession: OnSession }) {
  const [error, setError] = useState<string | undefined>(undefined);
  // The state is single use: React's development double effect must not send it twice.
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    const complete = async () => {
      try {
        const { session } = await api<{ session: Session }>(
          "GET",
          `/v1/auth/sso/callback${window.location.search}`,
        );
        window.history.replaceState(null, "", "/");
        await onSession(session);
      } catch (failure) {
        window.history.replaceState(null, "", SSO_CALLBACK_PATH);
        setError(errorMessage(failure));
      }
    };
    void complete();
  }, [onSession]);
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
