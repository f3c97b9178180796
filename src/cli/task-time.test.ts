import { describe, expect, test } from "bun:test";
import { duration } from "./task-time.ts";

describe("duration", () => {
  test("minutes and seconds never show 60 seconds", () => {
    expect(duration(179_600)).toBe("3m0s");
    expect(duration(150_000)).toBe("2m30s");
    expect(duration(119_999)).toBe("120.0 s");
    expect(duration(999)).toBe("999 ms");
    expect(duration(null)).toBe("-");
  });
});
