import { describe, expect, test } from "bun:test";
import { checkRemoteAddress, v6Words } from "./ip-policy.ts";

describe("checkRemoteAddress", () => {
  const cases: [string, string | true][] = [
    ["10.250.0.11", true],
    ["192.168.1.183", true],
    ["172.16.0.1", true],
    ["172.18.0.2", true],
    ["8.8.8.8", true],
    ["2001:db8::1", true],
    ["fd00::5", true],
    ["127.0.0.1", "loopback"],
    ["127.1.2.3", "loopback"],
    ["::1", "loopback"],
    ["169.254.10.20", "link-local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["172.17.0.1", "docker bridge"],
    ["172.17.255.254", "docker bridge"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.251", "multicast"],
    ["239.255.255.250", "multicast"],
    ["ff02::fb", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:172.17.0.3", "docker bridge"],
    ["::ffff:10.0.0.1", true],
    ["n1.local", "not an IP address"],
    ["300.1.1.1", "not an IP address"],
  ];
  for (const [address, want] of cases)
    test(`${address} → ${want === true ? "accepted" : want}`, () => {
      const v = checkRemoteAddress(address);
      if (want === true) expect(v).toEqual({ ok: true });
      else expect(v).toEqual({ ok: false, reason: want as never });
    });
});

test("v6Words expands :: and embedded IPv4", () => {
  expect(v6Words("fe80::1")).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
  expect(v6Words("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
  expect(v6Words("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
});
