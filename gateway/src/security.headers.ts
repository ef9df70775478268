import type { ServerResponse } from "node:http";

/**
 * What helmet would set for a JSON API, set directly on the raw response (the gateway is plain
 * node:http). No CORS header is ever sent: browsers on other origins are refused by default.
 */
const BASE_HEADERS: [string, string][] = [
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["content-security-policy", "default-src 'none'; frame-ancestors 'none'"],
  ["referrer-policy", "no-referrer"],
  ["cross-origin-opener-policy", "same-origin"],
  ["cross-origin-resource-policy", "same-origin"],
  ["x-dns-prefetch-control", "off"],
  ["x-permitted-cross-domain-policies", "none"],
];

const HSTS: [string, string] = ["strict-transport-security", "max-age=31536000; includeSubDomains"];

/** The headers for a region: HSTS only where the public URL is HTTPS (not on a local run). */
export function securityHeaders(publicBaseUrl: string): [string, string][] {
  return publicBaseUrl.startsWith("https:") ? [...BASE_HEADERS, HSTS] : BASE_HEADERS;
}

export function setSecurityHeaders(res: ServerResponse, headers: [string, string][]): void {
  for (const [name, value] of headers) res.setHeader(name, value);
}
