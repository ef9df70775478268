/** The services behind the gateway. */
export const UPSTREAMS = ["settings", "contracts", "review", "credits"] as const;
export type Upstream = (typeof UPSTREAMS)[number];

export type Access =
  /** No credential needed (signup, login, invite acceptance). */
  | "public"
  /** Any valid API key or session. */
  | "authenticated"
  /** Signed-in owners and admins only: never API keys, never members. */
  | "settings";

export interface Route {
  /** Lower-case path segments; `*` matches any one segment. A route matches its subtree. */
  prefix: string;
  upstream: Upstream;
  access: Access;
}

/**
 * Which service owns which public path, decided once, most specific first. Anything that
 * matches no row is 404 at the gateway; `/internal` is never listed, so it is never reachable.
 */
export const ROUTES: readonly Route[] = [
  { prefix: "/v1/auth/signup", upstream: "settings", access: "public" },
  { prefix: "/v1/auth/login", upstream: "settings", access: "public" },
  { prefix: "/v1/auth/accept-invite", upstream: "settings", access: "public" },
  { prefix: "/v1/auth/sso", upstream: "settings", access: "public" },
  { prefix: "/v1/auth", upstream: "settings", access: "authenticated" },
  { prefix: "/v1/me", upstream: "settings", access: "authenticated" },
  { prefix: "/v1/settings/billing", upstream: "credits", access: "settings" },
  { prefix: "/v1/settings", upstream: "settings", access: "settings" },
  { prefix: "/v1/contracts/*/reviews", upstream: "review", access: "authenticated" },
  { prefix: "/v1/contracts/*/conversions", upstream: "review", access: "authenticated" },
  { prefix: "/v1/contracts", upstream: "contracts", access: "authenticated" },
  { prefix: "/v1/key-dates", upstream: "contracts", access: "authenticated" },
  { prefix: "/v1/reminders", upstream: "contracts", access: "authenticated" },
  { prefix: "/v1/search", upstream: "contracts", access: "authenticated" },
  { prefix: "/v1/playbooks", upstream: "review", access: "authenticated" },
  { prefix: "/v1/reviews", upstream: "review", access: "authenticated" },
  { prefix: "/v1/redlines", upstream: "review", access: "authenticated" },
  { prefix: "/v1/conversions", upstream: "review", access: "authenticated" },
  { prefix: "/v1/credits", upstream: "credits", access: "authenticated" },
];

const SETTINGS_AREA = ["v1", "settings"];

interface CompiledRoute extends Route {
  segments: string[];
}

export type RouteMatcher = (segments: readonly string[]) => Route | undefined;

function startsWith(segments: readonly string[], prefix: readonly string[]): boolean {
  if (segments.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (prefix[i] !== "*" && prefix[i] !== segments[i]) return false;
  }
  return true;
}

/** Compiles a route table into a matcher over lower-cased path segments. */
export function compileRoutes(routes: readonly Route[] = ROUTES): RouteMatcher {
  const compiled: CompiledRoute[] = routes.map((route) => ({
    ...route,
    segments: route.prefix.split("/").filter(Boolean),
  }));
  return (segments) => {
    const route = compiled.find((r) => startsWith(segments, r.segments));
    // Whatever the table says, the settings area is for owners and admins only.
    if (route && route.access !== "settings" && startsWith(segments, SETTINGS_AREA)) {
      return { ...route, access: "settings" };
    }
    return route;
  };
}
