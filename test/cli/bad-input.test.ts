// Bad input on the command line gets a usage error naming the flag, the value and what is
// expected (exit 2), and `route --cwd` judges the command where it would run (issue 13).
import { describe, expect, test } from "bun:test";
import { cli, isolatedEnv } from "../helpers/cli.ts";

/** Each test starts the CLI a few times; a loaded machine takes seconds per start. */
const T = 60_000;

describe("usage errors", () => {
  test(
    "--cwd '' and --node '' are refused, not taken for the default",
    async () => {
      for (const args of [
        ["run", "--cwd", "", "--", "true"],
        ["run", "--node", "", "--", "true"],
        ["route", "--cwd", "", "ls"],
        ["submit", "--cwd", "", "--", "true"],
      ]) {
        const r = await cli(args);
        expect(`${args.join(" ")}: ${r.code}`).toBe(`${args.join(" ")}: 2`);
        expect(r.stderr).toContain(`--${args[1]?.slice(2)}: got "", expected`);
      }
    },
    T,
  );

  test(
    "tasks --limit beyond what the store can take is a usage error, not a stack trace",
    async () => {
      const r = await cli(["tasks", "--limit", "99999999999999999999"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        '--limit: got "99999999999999999999", expected a whole number from 1 to',
      );
      expect(r.stderr).not.toContain(" at ");
    },
    T,
  );
});

describe("route --cwd: the policy knows where the command runs", () => {
  const route = (args: string[], cwd?: string) =>
    cli(["route", "--json", ...args], {
      env: isolatedEnv({ CLUSTER_MDNS_TIMEOUT: "0" }),
      ...(cwd ? { cwd } : {}),
    });

  test(
    "rm -rf * is refused in / and allowed in a scratch directory",
    async () => {
      const refused = await route(["--cwd", "/", "rm -rf *"]);
      expect(refused.code).toBe(77);
      expect(JSON.parse(refused.stdout)).toMatchObject({
        decision: "refused",
        rule: "recursive-delete",
      });
      const allowed = await route(["--cwd", "/tmp/some-build", "rm -rf *"]);
      expect(allowed.code).toBe(0);
    },
    T,
  );

  test(
    "without --cwd a local run starts in this process's directory",
    async () => {
      const r = await route(["rm -rf ./*"], "/");
      expect(r.code).toBe(77);
      expect(JSON.parse(r.stdout).reason).toContain("everything in / (/*)");
    },
    T,
  );
});
