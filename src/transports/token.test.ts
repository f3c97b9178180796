import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClusterError } from "../errors.ts";
import { loadOrCreateToken } from "./token.ts";

const dir = () => mkdtempSync(join(tmpdir(), "ce-token-"));

describe("loadOrCreateToken", () => {
  test("generated once into a 0600 file, then read back; nothing else left in the directory", () => {
    const d = dir();
    const first = loadOrCreateToken(d);
    expect(first.created).toBe(true);
    expect(statSync(join(d, "http-token")).mode & 0o777).toBe(0o600);
    const again = loadOrCreateToken(d);
    expect(again).toMatchObject({ token: first.token, created: false });
    expect(readdirSync(d)).toEqual(["http-token"]);
  });

  test("a token file too short to be a secret is a configuration error naming the file", () => {
    const d = dir();
    writeFileSync(join(d, "http-token"), "short\n", { mode: 0o600 });
    let err: unknown;
    try {
      loadOrCreateToken(d);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe("CONFIG_INVALID");
    expect((err as ClusterError).message).toContain(join(d, "http-token"));
  });
});
