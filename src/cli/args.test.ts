import { expect, test } from "bun:test";
import { ClusterError } from "../errors.ts";
import { commandFromArgs, parseVerbArgs } from "./args.ts";

test("a NUL byte in the command is a usage error naming its position", () => {
  expect(() => commandFromArgs(["echo a\u0000b"])).toThrow(
    new ClusterError(
      "USAGE",
      "command: holds a NUL byte at position 6; a command line cannot contain NUL (a shell would cut it short there)",
    ),
  );
  expect(commandFromArgs(["echo", "a b"])).toBe("echo 'a b'");
});

test("a string flag given empty is a usage error naming the flag and what it expects", () => {
  const parse = (argv: string[]) => parseVerbArgs("run", argv, { cwd: { type: "string" } });
  expect(() => parse(["--cwd", "", "--", "true"])).toThrow(
    'run --cwd: got "", expected a directory path on the node (leave the flag out for the default)',
  );
  expect(parse(["--cwd", "/x", "--", "true"]).values.cwd).toBe("/x");
});
