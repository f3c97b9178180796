import { describe, expect, test } from "bun:test";
import { stopTrigger } from "./stop-trigger.ts";

describe("stopTrigger", () => {
  test("a timeout beyond setTimeout's 32-bit range does not fire at once", async () => {
    let stopped = 0;
    const t = stopTrigger(
      10_000_000 * 1000, // `run --timeout 1e7`: about 116 days
      undefined,
      () => true,
      () => stopped++,
    );
    await Bun.sleep(50);
    t.dispose();
    expect(stopped).toBe(0);
    expect(t.timedOut).toBe(false);
  });

  test("a short timeout fires once, while running: timed out", async () => {
    let stopped = 0;
    const t = stopTrigger(
      20,
      undefined,
      () => true,
      () => stopped++,
    );
    await Bun.sleep(80);
    t.dispose();
    expect(stopped).toBe(1);
    expect(t.timedOut).toBe(true);
    expect(t.canceled).toBe(false);
  });
});
