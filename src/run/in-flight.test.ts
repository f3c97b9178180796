import { expect, test } from "bun:test";
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
