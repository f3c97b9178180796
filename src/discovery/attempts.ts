// The steps of a resolution as records: what was asked, what came back, why it was (not) used.
import type { Attempt, Step } from "./cache.ts";
import { checkRemoteAddress } from "./ip-policy.ts";

export function ok(
  step: Step,
  query: string,
  address: string,
  ms: number,
  rejected: string[],
): Attempt {
  const also = rejected.length ? `; also answered ${rejected.join(", ")}` : "";
  return { step, query, outcome: "ok", address, detail: `${address}${also}`, ms };
}

export function skipped(step: Step, detail: string): Attempt {
  return { step, outcome: "skipped", detail, ms: 0 };
}

export function describeRejection(address: string): string {
  const v = checkRemoteAddress(address);
  return v.ok ? address : `${address} rejected (${v.reason})`;
}

/** "mdns n3.local: no answer within 1s; dns n3.local: ENOTFOUND; fallback: no ip configured" */
export function summarise(attempts: Attempt[]): string {
  return attempts
    .map(
      (a) =>
        `${a.step}${a.query ? ` ${a.query}` : ""}: ${a.outcome === "ok" ? a.address : a.detail}`,
    )
    .join("; ");
}

export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))}s`;
}
