/**
 * The one view of a request path the gateway decides on and forwards. An attacker must not be
 * able to make the gateway authorize one path while a service routes another, so the path is
 * percent-decoded until it stops changing (`%2e%2e`, `%2f`, `%252e` all count), dot segments are
 * resolved, empty segments dropped; the decision is taken on the lower-cased segments and the
 * upstream receives exactly these segments, re-encoded.
 */
export interface RequestPath {
  /** Decoded, dot-resolved segments, original case: what the upstream receives. */
  segments: string[];
  /** The same segments lower-cased: what routing and authorization look at. */
  decision: string[];
  /** The path to forward, each segment percent-encoded, e.g. `/v1/settings/api-keys`. */
  forward: string;
  /** The raw query string including `?`, or "". */
  search: string;
}

const MAX_DECODE_ROUNDS = 8;

/** Returns null when the path cannot be decoded (bad percent-encoding, endless nesting). */
export function parseRequestPath(url: string): RequestPath | null {
  const queryAt = url.indexOf("?");
  let path = queryAt === -1 ? url : url.slice(0, queryAt);
  const search = queryAt === -1 ? "" : url.slice(queryAt);
  for (let round = 0; path.includes("%"); round++) {
    if (round === MAX_DECODE_ROUNDS) return null;
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return null;
    }
    if (decoded === path) break;
    path = decoded;
  }
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return {
    segments,
    decision: segments.map((s) => s.toLowerCase()),
    forward: "/" + segments.map(encodeURIComponent).join("/"),
    search,
  };
}
