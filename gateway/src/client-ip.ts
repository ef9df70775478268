import { isIP } from "node:net";

/**
 * The address of the client a request comes from, for the per-IP limits.
 *
 * Behind `trustedHops` HTTP proxies (an ingress, a load balancer), the socket's address is the
 * nearest proxy's, the same for every client. Each proxy appends the address it was connected
 * from to `X-Forwarded-For`, so the entry `trustedHops` from the right is the one the outermost
 * trusted proxy saw: the client. Everything left of it is whatever the client sent and is never
 * read. With 0 hops the header is ignored. A header too short for the hops, or whose entry is
 * not a bare IP address, falls back to the socket address: all such requests then share the
 * proxy's budget, which limits too much rather than letting anyone out of a limit.
 */
export function clientIp(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedHops: number,
): string {
  const socket = socketAddress ?? "unknown";
  if (trustedHops < 1 || forwardedFor === undefined) return socket;
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor).split(",");
  if (entries.length < trustedHops) return socket;
  const client = entries[entries.length - trustedHops]!.trim();
  return isIP(client) === 0 ? socket : client;
}

/**
 * What the per-IP limits count a client address under. IPv4 addresses (also when written as
 * IPv4-mapped IPv6, `::ffff:a.b.c.d`) count alone. IPv6 addresses count by their /64: one
 * subscriber is usually given a whole /64 and can pick a fresh address in it for every
 * request, which would otherwise escape the limit. Anything else is counted as it is.
 */
export function limitSubject(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const withoutZone = ip.split("%")[0]!;
  const [head, tail] = withoutZone.includes("::")
    ? (withoutZone.split("::") as [string, string])
    : [withoutZone, undefined];
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  // An embedded IPv4 tail (a.b.c.d) takes two groups; it lies beyond the /64 anyway.
  const groupsOf = (parts: string[]) => parts.reduce((n, p) => n + (p.includes(".") ? 2 : 1), 0);
  const zeros = tail === undefined ? 0 : 8 - groupsOf(left) - groupsOf(right);
  const groups = [...left, ...Array<string>(zeros).fill("0"), ...right];
  const prefix = groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16));
  return `${prefix.join(":")}::/64`;
}
