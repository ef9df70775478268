import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { api, onSessionEnded, type Me } from "./api";
import { AcceptInvitePage, SignInPage, SignUpPage } from "./pages/auth";
import { ApiKeysPage } from "./pages/api-keys";
import { AuditLogPage } from "./pages/audit-log";
import { BillingPage } from "./pages/billing";
import { MembersPage } from "./pages/members";
import { OrganizationPage } from "./pages/organization";
import { SsoSettingsPage } from "./pages/sso";
import { SSO_CALLBACK_PATH, SsoCallbackPage, SsoSignInPage } from "./pages/sso-login";
import { WebhooksPage } from "./pages/webhooks";
import { WorkspacePage } from "./pages/workspace";
import { PAGE_TITLE_ID } from "./ui";

/** Routes live in the URL hash (`#/settings/members`), so the gateway serves only `/`. */
function useHashRoute(): { path: string; query: URLSearchParams } {
  const read = () => {
    const hash = window.location.hash.replace(/^#/, "") || "/";
    const [path = "/", search = ""] = hash.split("?");
    return { path, query: new URLSearchParams(search) };
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

const SETTINGS = [
  { path: "/settings/api-keys", label: "API & Integrations" },
  { path: "/settings/members", label: "Members" },
  { path: "/settings/sso", label: "Single sign-on" },
  { path: "/settings/billing", label: "Billing" },
  { path: "/settings/webhooks", label: "Webhooks" },
  { path: "/settings/audit-log", label: "Audit log" },
  { path: "/settings/organization", label: "Organization" },
];

/**
 * `ssoCallback`: the query of the identity provider's redirect when the console was loaded at
 * /sso/callback (already taken out of the address by `takeSsoCallback`).
 */
export function App({ ssoCallback }: { ssoCallback?: string | undefined }) {
  const { path, query } = useHashRoute();
  // undefined while asking whether the session cookie is alive; null when signed out.
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  // The session is in an httpOnly cookie: on load, /v1/me says whether it is alive, so a reload
  // stays signed in; any 401 later (expired, revoked) shows sign-in again. Already signed in at
  // the provider's redirect: it has nothing left to do (its code is not used), the address is `/`.
  useEffect(() => {
    onSessionEnded(() => setMe(null));
    api<Me>("GET", "/v1/me").then(
      (signedIn) => {
        if (window.location.pathname === SSO_CALLBACK_PATH) {
          window.history.replaceState(null, "", "/");
        }
        setMe(signedIn);
      },
      () => setMe(null),
    );
    return () => onSessionEnded(undefined);
  }, []);

  // A new page (another route, or signing in or out) takes focus at its heading, but not on the
  // first load, so keyboard and screen reader users start there, not on the link that led to it.
  const shown = me === undefined ? undefined : `${me ? "in" : "out"}:${path}`;
  const lastShown = useRef(shown);
  useEffect(() => {
    if (shown === lastShown.current) return;
    const firstLoad = lastShown.current === undefined;
    lastShown.current = shown;
    if (!firstLoad) document.getElementById(PAGE_TITLE_ID)?.focus();
  }, [shown]);

  // The API set the session cookies; the token in the answer is not kept.
  const start = useCallback(async () => {
    setMe(await api<Me>("GET", "/v1/me"));
    window.location.hash = "#/";
  }, []);

  const signOut = async () => {
    await api("POST", "/v1/auth/logout").catch(() => undefined);
    setMe(null);
    window.location.hash = "#/signin";
  };

  if (me === undefined) {
    return (
      <Shell>
        <p role="status">Loading…</p>
      </Shell>
    );
  }

  if (!me) {
    // The identity provider's redirect: the one route outside the hash (served by the gateway).
    if (window.location.pathname === SSO_CALLBACK_PATH) {
      return (
        <Shell>
          <SsoCallbackPage query={ssoCallback ?? ""} onSession={start} />
        </Shell>
      );
    }
    if (path === "/sso") {
      return (
        <Shell>
          <SsoSignInPage />
        </Shell>
      );
    }
    if (path === "/signup")
      return (
        <Shell>
          <SignUpPage onSession={start} />
        </Shell>
      );
    if (path === "/accept-invite") {
      return (
        <Shell>
          <AcceptInvitePage token={query.get("token") ?? ""} onSession={start} />
        </Shell>
      );
    }
    return (
      <Shell>
        <SignInPage onSession={start} />
      </Shell>
    );
  }

  const isAdmin = me.principal.type === "user" && me.principal.role !== "member";
  const settingsPage = () => {
    if (!isAdmin) {
      return <p role="alert">Settings are for owners and admins of the organization.</p>;
    }
    switch (path) {
      case "/settings/api-keys":
        return <ApiKeysPage />;
      case "/settings/members":
        return <MembersPage me={me} />;
      case "/settings/sso":
        return (
          <SsoSettingsPage
            canEdit={me.principal.type === "user" && me.principal.role === "owner"}
          />
        );
      case "/settings/billing":
        return <BillingPage />;
      case "/settings/webhooks":
        return <WebhooksPage />;
      case "/settings/audit-log":
        return <AuditLogPage />;
      case "/settings/organization":
        return (
          <OrganizationPage
            onRenamed={(name) => setMe({ ...me, organization: { ...me.organization, name } })}
          />
        );
      default:
        return <p>Page not found.</p>;
    }
  };

  return (
    <div className="layout">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <strong>Clment</strong>
        <span className="org">{me.organization.name}</span>
        <span className="who">
          {me.principal.type === "user" ? `${me.principal.email} (${me.principal.role})` : ""}
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav aria-label="Main">
        <ul>
          <li>
            <a href="#/" aria-current={path === "/" ? "page" : undefined}>
              Workspace
            </a>
          </li>
        </ul>
        {isAdmin && (
          <>
            <h2 id="settings-nav">Settings</h2>
            <ul aria-labelledby="settings-nav">
              {SETTINGS.map((item) => (
                <li key={item.path}>
                  <a href={`#${item.path}`} aria-current={path === item.path ? "page" : undefined}>
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
          </>
        )}
      </nav>
      <main id="main" tabIndex={-1}>
        {path.startsWith("/settings/") ? settingsPage() : <WorkspacePage me={me} />}
      </main>
    </div>
  );
}

function Shell({ children }: { children: ReactNode }) {
  return (
    <main id="main" className="auth">
      <p className="brand">Clment</p>
      {children}
    </main>
  );
}
