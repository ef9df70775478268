import { isIP } from "node:net";

/**
 * Which addresses a webhook may be sent to. Without the region's permission for private
 * networks, anything that is not a public unicast address is refused: loopback, private
 * (RFC 1918), carrier-grade NAT, link-local (with the cloud metadata address 169.254.169.254),
 * "this network", multicast, reserved and documentation ranges, and their IPv6 counterparts
 * (::1, ::, fc00::/7, fe80::/10, ff00::/8), including IPv4 addresses embedded in IPv6
 * (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible, NAT64 64:ff9b::/96 and 6to4 2002::/16).
 */

type Range = readonly [prefix: readonly number[], bits: number, reason: string];

const IPV4_FORBIDDEN: readonly Range[] = [
  [[0, 0, 0, 0], 8, "this network"],
  [[10, 0, 0, 0], 8, "private"],
  [[100, 64, 0, 0], 10, "carrier-grade NAT"],
  [[127, 0, 0, 0], 8, "loopback"],
  [[169, 254, 0, 0], 16, "link-local (cloud metadata)"],
  [[172, 16, 0, 0], 12, "private"],
  [[192, 0, 0, 0], 24, "reserved"],
  [[192, 0, 2, 0], 24, "documentation"],
  [[192, 88, 99, 0], 24, "reserved"],
  [[192, 168, 0, 0], 16, "private"],
  [[198, 18, 0, 0], 15, "benchmarking"],
  [[198, 51, 100, 0], 24, "documentation"],
  [[203, 0, 113, 0], 24, "documentation"],
  [[224, 0, 0, 0], 4, "multicast"],
  [[240, 0, 0, 0], 4, "reserved"],
];

const IPV6_FORBIDDEN: readonly Range[] = [
  [[0xfc], 7, "unique-local"],
  [[0xfe, 0x80], 10, "link-local"],
  [[0xfe, 0xc0], 10, "site-local"],
  [[0xff], 8, "multicast"],
  [[0x20, 0x01, 0x0d, 0xb8], 32, "documentation"],
  [[0x01, 0, 0, 0, 0, 0, 0, 0], 64, "discard"],
];

function inRange(bytes: readonly number[], [prefix, bits]: Range): boolean {
  for (let i = 0; i * 8 < bits; i++) {
    const take = Math.min(8, bits - i * 8);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function ipv4Bytes(address: string): number[] {
  return address.split(".").map(Number);
}

/** The 16 bytes of an IPv6 address (with `::` and a trailing dotted IPv4 part expanded). */
function ipv6Bytes(address: string): number[] {
  let text = address.split("%")[0]!.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(dotted);
    const groups = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
    text = text.slice(0, -dotted.length) + groups;
  }
  const [head = "", rest] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = rest ? rest.split(":") : [];
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(rest === undefined ? 0 : missing).fill("0"), ...right];
  return groups.flatMap((group) => {
    const value = parseInt(group || "0", 16);
    return [value >> 8, value & 0xff];
  });
}

/** Why `address` is refused, or undefined for a public unicast address. */
export function forbiddenReason(address: string): string | undefined {
  const version = isIP(address.split("%")[0]!);
  if (version === 4) {
    const bytes = ipv4Bytes(address);
    if (bytes.every((b) => b === 255)) return "broadcast";
    return IPV4_FORBIDDEN.find((range) => inRange(bytes, range))?.[2];
  }
  if (version !== 6) return "not an IP address";
  const bytes = ipv6Bytes(address);
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  if (zeros(0, 15) && bytes[15] === 0) return "unspecified";
  if (zeros(0, 15) && bytes[15] === 1) return "loopback";
  // IPv4 inside IPv6: judged as the IPv4 address it reaches.
  const embedded =
    zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff
      ? bytes.slice(12) // ::ffff:a.b.c.d (mapped)
      : zeros(0, 12)
        ? bytes.slice(12) // ::a.b.c.d (compatible, deprecated)
        : bytes[0] === 0x00 &&
            bytes[1] === 0x64 &&
            bytes[2] === 0xff &&
            bytes[3] === 0x9b &&
            zeros(4, 12)
          ? bytes.slice(12) // 64:ff9b::a.b.c.d (NAT64)
          : bytes[0] === 0x20 && bytes[1] === 0x02
            ? bytes.slice(2, 6) // 2002:aabb:ccdd:: (6to4)
            : undefined;
  if (embedded) {
    const reason = forbiddenReason(embedded.join("."));
    if (reason) return `${reason} (IPv4 in IPv6)`;
  }
  return IPV6_FORBIDDEN.find((range) => inRange(bytes, range))?.[2];
}

export function isForbiddenAddress(address: string): boolean {
  return forbiddenReason(address) !== undefined;
}
