import { describe, expect, test } from "bun:test";
import { parseHost } from "./init.ts";

describe("init's HOST arguments", () => {
  test("an alias, a name, user@host, user@host:port, [v6]:port", () => {
    expect(parseHost("builder")).toEqual({ given: "builder", host: "builder" });
    expect(parseHost("ci@10.0.0.5")).toEqual({
      given: "ci@10.0.0.5",
      user: "ci",
      host: "10.0.0.5",
    });
    expect(parseHost("ci@box.lan:2222")).toMatchObject({ user: "ci", host: "box.lan", port: 2222 });
    expect(parseHost("[fe80::1]:22")).toMatchObject({ host: "fe80::1", port: 22 });
  });

  test("anything else is named with what is expected", () => {
    for (const bad of ["", "a b", "x@", "host:99999", "-oProxyCommand=x"])
      expect(() => parseHost(bad)).toThrow(
        /expected an ~\/\.ssh\/config alias, a host name or address/,
      );
  });
});
