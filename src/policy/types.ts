// The policy's answer: allowed, or refused with the rule that refused it and why.

export type PolicyVerdict = { allowed: true } | { allowed: false; rule: string; message: string };

export interface Refusal {
  rule: string;
  message: string;
}

export const ALLOWED: PolicyVerdict = { allowed: true };

export function refuse(r: Refusal): PolicyVerdict {
  return { allowed: false, rule: r.rule, message: r.message };
}
