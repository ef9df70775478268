import { useState, type FormEvent } from "react";
import { api, errorMessage, type Session } from "../api";
import { ErrorText, Page, TextField } from "../ui";

export type OnSession = (session: Session) => Promise<void>;

/** A form's submit: runs `action`, disables the button meanwhile and keeps its error. */
export function useSubmit(action: () => Promise<void>) {
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    action().then(
      () => setBusy(false),
      (failure: unknown) => {
        setBusy(false);
        setError(errorMessage(failure));
      },
    );
  };
  return { error, busy, onSubmit };
}

export function SignInPage({ onSession }: { onSession: OnSession }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { error, busy, onSubmit } = useSubmit(async () => {
    const { session } = await api<{ session: Session }>("POST", "/v1/auth/login", {
      email,
      password,
    });
    await onSession(session);
  });
  return (
    <Page title="Sign in">
      <form onSubmit={onSubmit}>
        <TextField
          label="Email"
          type="email"
          required
          autoComplete="username"
          value={email}
          onChange={setEmail}
        />
        <TextField
          label="Password"
          type="password"
          required
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <p>
        Your organization uses an identity provider? <a href="#/sso">Sign in with SSO</a>
      </p>
      <p>
        New to Clment? <a href="#/signup">Create an organization</a>
      </p>
    </Page>
  );
}

export function SignUpPage({ onSession }: { onSession: OnSession }) {
  const [organizationName, setOrganizationName] = useState("");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { error, busy, onSubmit } = useSubmit(async () => {
    const { session } = await api<{ session: Session }>("POST", "/v1/auth/signup", {
      organizationName,
      name,
      email,
      password,
    });
    await onSession(session);
  });
  return (
    <Page title="Sign up">
      <form onSubmit={onSubmit}>
        <TextField
          label="Organization name"
          required
          value={organizationName}
          onChange={setOrganizationName}
        />
        <TextField label="Your name" required autoComplete="name" value={name} onChange={setName} />
        <TextField
          label="Email"
          type="email"
          required
          autoComplete="username"
          value={email}
          onChange={setEmail}
        />
        <TextField
          label="Password"
          type="password"
          required
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
        />
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          Create organization
        </button>
      </form>
      <p>
        Already have an account? <a href="#/signin">Sign in</a>
      </p>
    </Page>
  );
}

export function AcceptInvitePage({
  token: initialToken,
  onSession,
}: {
  token: string;
  onSession: OnSession;
}) {
  const [token, setToken] = useState(initialToken);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const { error, busy, onSubmit } = useSubmit(async () => {
    const { session } = await api<{ session: Session }>("POST", "/v1/auth/accept-invite", {
      token,
      name,
      password,
    });
    await onSession(session);
  });
  return (
    <Page title="Accept invite">
      <form onSubmit={onSubmit}>
        <TextField label="Invite token" required value={token} onChange={setToken} />
        <TextField label="Your name" required autoComplete="name" value={name} onChange={setName} />
        <TextField
          label="Choose a password"
          type="password"
          required
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
        />
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>
          Join organization
        </button>
      </form>
    </Page>
  );
}
