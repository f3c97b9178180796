import { describe, expect, test } from "bun:test";
import { runLocal } from "./local.ts";

describe("runLocal", () => {
  test("a failing output sink fails the run once it ended, with no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on("unhandledRejection", onUnhandled);
    try {
      let calls = 0;
      const run = runLocal({
        command: "echo a; sleep 0.3; echo b",
        timeoutMs: 10_000,
        outputLimit: 1024,
        killGraceMs: 500,
        onOutput: () => {
          calls++;
          throw new Error("sink broke");
        },
      });
      await expect(run).rejects.toThrow("sink broke");
      await Bun.sleep(20);
      expect(unhandled).toEqual([]);
      expect(calls).toBeGreaterThanOrEqual(1);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
