import { describe, expect, it } from "@jest/globals";
import { clientIp, limitSubject } from "../src/client-ip.js";

const PROXY = "10.0.3.7";

describe("clientIp", () => {
  it("uses the socket address and ignores X-Forwarded-For when no proxy is trusted", () => {
    expect(clientIp(PROXY, undefined, 0)).toBe(PROXY);
    expect(clientIp(PROXY, "198.51.100.4", 0)).toBe(PROXY);
    expect(clientIp(PROXY, "198.51.100.4, 203.0.113.9", 0)).toBe(PROXY);
  });

  it("behind one proxy, takes the rightmost entry: the address the proxy saw", () => {
    expect(clientIp(PROXY, "198.51.100.4", 1)).toBe("198.51.100.4");
    expect(clientIp(PROXY, "2001:db8::17", 1)).toBe("2001:db8::17");
  });

  it("never reads the entries a client put left of the trusted ones", () => {
    // The client sent "203.0.113.9"; the one trusted proxy appended the address it saw.
    expect(clientIp(PROXY, "203.0.113.9, 198.51.100.4", 1)).toBe("198.51.100.4");
    expect(clientIp(PROXY, "1.1.1.1,2.2.2.2,  198.51.100.4 ", 1)).toBe("198.51.100.4");
    // Behind two proxies: the outer one appended the client, the inner one the outer one.
    expect(clientIp(PROXY, "203.0.113.9, 198.51.100.4, 10.0.0.2", 2)).toBe("198.51.100.4");
  });

  it("reads repeated X-Forwarded-For headers as one list, in order", () => {
    expect(clientIp(PROXY, ["203.0.113.9", "198.51.100.4"], 1)).toBe("198.51.100.4");
    expect(clientIp(PROXY, ["203.0.113.9, 198.51.100.4", "10.0.0.2"], 2)).toBe("198.51.100.4");
  });

  it("falls back to the socket address when the header is missing or shorter than the hops", () => {
    expect(clientIp(PROXY, undefined, 1)).toBe(PROXY);
    expect(clientIp(PROXY, "198.51.100.4", 2)).toBe(PROXY);
    expect(clientIp(PROXY, [], 1)).toBe(PROXY);
  });

  it.each([
    ["an empty header", ""],
    ["an empty trusted entry", "198.51.100.4, "],
    ["a name", "client.example.com"],
    ["an address with a port", "198.51.100.4:51234"],
    ["a bracketed IPv6 address", "[2001:db8::17]"],
    ["an address out of range", "198.51.100.400"],
    ["the unknown token", "unknown"],
    ["a forged key suffix", "198.51.100.4:someone@example.com"],
  ])("falls back to the socket address on %s", (_, header) => {
    expect(clientIp(PROXY, header, 1)).toBe(PROXY);
  });

  it("says unknown when the socket has no address either", () => {
    expect(clientIp(undefined, undefined, 0)).toBe("unknown");
    expect(clientIp(undefined, "not an address", 1)).toBe("unknown");
  });
});

describe("limitSubject", () => {
  it("counts an IPv4 address alone, also when written as IPv4-mapped IPv6", () => {
    expect(limitSubject("198.51.100.4")).toBe("198.51.100.4");
    expect(limitSubject("::ffff:198.51.100.4")).toBe("198.51.100.4");
    expect(limitSubject("::FFFF:127.0.0.1")).toBe("127.0.0.1");
  });

  it("counts every address of one IPv6 /64 together, however it is written", () => {
    const subject = "2001:db8:a:b::/64";
    for (const address of [
      "2001:db8:a:b::1",
      "2001:0db8:000a:000b:ffff:ffff:ffff:ffff",
      "2001:db8:a:b:1:2:3:4",
      "2001:db8:a:b::1.2.3.4",
      "2001:DB8:A:B::17%eth0",
    ]) {
      expect([address, limitSubject(address)]).toEqual([address, subject]);
    }
    expect(limitSubject("2001:db8:a:c::1")).toBe("2001:db8:a:c::/64");
    expect(limitSubject("2001:db8::")).toBe("2001:db8:0:0::/64");
    expect(limitSubject("::1")).toBe("0:0:0:0::/64");
    expect(limitSubject("fe80::1:2:3:4")).toBe("fe80:0:0:0::/64");
  });

  it("leaves anything that is not an IP address as it is", () => {
    expect(limitSubject("unknown")).toBe("unknown");
  });
});
