import { describe, expect, test } from "bun:test";
import { SessionSlots } from "./session-slots.ts";

describe("SessionSlots", () => {
  test("a wait with a deadline leaves the line then, with the caller's error; the slot goes on to the next", async () => {
    const slots = new SessionSlots({ run: 1, control: 1 });
    await slots.acquire("run");
    const started = performance.now();
    const late = slots.acquire("run", undefined, performance.now() + 100, () => new Error("busy"));
    const patient = slots.acquire("run");
    await expect(late).rejects.toThrow("busy");
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(slots.waiting).toBe(1);
    slots.release("run");
    await patient; // the slot went to the one still waiting
    expect(slots.inUse.run).toBe(1);
    expect(slots.waiting).toBe(0);
  });

  test("a slot that comes in time clears the deadline", async () => {
    const slots = new SessionSlots({ run: 1, control: 1 });
    await slots.acquire("run");
    const wait = slots.acquire("run", undefined, performance.now() + 200, () => new Error("busy"));
    slots.release("run");
    await wait;
    await Bun.sleep(250); // the deadline passing afterwards changes nothing
    expect(slots.inUse.run).toBe(1);
  });
});
