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
