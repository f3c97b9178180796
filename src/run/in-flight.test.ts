import { expect, test } from "bun:test";
import { IdleCollector } from "../exec/memory.ts";
import { createRunsInFlight } from "./in-flight.ts";

test("runs in flight: taken per node, given back once however often released", () => {
  const f = createRunsInFlight();
  const a = f.take("n1");
  const b = f.take("n1");
  f.take("n2");
  expect([f.count("n1"), f.count("n2"), f.count("n3")]).toEqual([2, 1, 0]);
  a();
  a();
  expect(f.count("n1")).toBe(1);
  b();
  expect(f.snapshot()).toEqual({ n2: 1 });
});

test("after a burst, one collection once nothing has run for a while; a new run cancels it", async () => {
  let collected = 0;
  const collector = new IdleCollector(() => collected++, 30, 3);
  const f = createRunsInFlight(collector);
  const burst = (n: number) => Array.from({ length: n }, () => f.take("n1"));
  // Two runs: too few to be worth a collection.
  for (const give of burst(2)) give();
  await Bun.sleep(60);
  expect(collected).toBe(0);
  // Three more, the last one leaves the runtime idle; a run starting before the delay cancels it.
  const three = burst(3);
  for (const give of three) give();
  const next = f.take("n2");
  await Bun.sleep(60);
  expect(collected).toBe(0);
  next();
  await Bun.sleep(60);
  expect(collected).toBe(1);
  // Nothing ran since: no second collection.
  await Bun.sleep(60);
  expect(collected).toBe(1);
});
