import { describe, expect, it } from "@jest/globals";
import { forbiddenReason } from "../src/clients/webhook.address-guard.js";

describe("webhook address guard", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT"],
    ["169.254.169.254", "link-local (cloud metadata)"],
    ["0.0.0.0", "this network"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fc00::1", "unique-local"],
    ["fd00:ec2::254", "unique-local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback (IPv4 in IPv6)"],
    ["::ffff:7f00:1", "loopback (IPv4 in IPv6)"],
    ["::ffff:169.254.169.254", "link-local (cloud metadata) (IPv4 in IPv6)"],
    ["::10.0.0.1", "private (IPv4 in IPv6)"],
    ["64:ff9b::192.168.0.1", "private (IPv4 in IPv6)"],
    ["2002:c0a8:0101::", "private (IPv4 in IPv6)"],
  ])("refuses %s (%s)", (address, reason) => {
    expect(forbiddenReason(address)).toBe(reason);
  });

  it.each([
    "8.8.8.8",
    "93.184.216.34",
    "172.32.0.1",
    "100.128.0.1",
    "192.169.0.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "2a00:1450:4001:80b::200e",
  ])("allows the public address %s", (address) => {
    expect(forbiddenReason(address)).toBeUndefined();
  });

  it("refuses what is not an IP address", () => {
    expect(forbiddenReason("example.com")).toBe("not an IP address");
  });
});
