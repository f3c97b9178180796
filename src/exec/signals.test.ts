import { expect, test } from "bun:test";
import { fromWrappedStatus } from "./signals.ts";

test("a wrapper's 128 + N reads back as signal N; other statuses pass unchanged", () => {
  expect(fromWrappedStatus(143, null)).toEqual({ code: null, signal: "SIGTERM" });
  expect(fromWrappedStatus(137, null)).toEqual({ code: null, signal: "SIGKILL" });
  expect(fromWrappedStatus(128, null)).toEqual({ code: 128, signal: null });
  expect(fromWrappedStatus(3, null)).toEqual({ code: 3, signal: null });
  expect(fromWrappedStatus(255, null)).toEqual({ code: 255, signal: null });
  expect(fromWrappedStatus(null, "SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
});
