// Reading one poll of a batch job (commands.ts pollScript): its state and the new output bytes.
import { type JobStatus, parseSacctJob, parseScontrolJob } from "./job-state.ts";

export interface PollResult {
  /** undefined when neither scontrol nor sacct gave a state (see `forgotten`). */
  status?: JobStatus;
  /**
   * No state because the controller no longer knows the job ("Invalid job id": past MinJobAge) and
   * sacct has no record either; otherwise a missing state is a failed poll (controller down...).
   */
  forgotten: boolean;
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** What the state commands said, for messages. */
  stateText: string;
}

const DATA = new TextEncoder().encode("\n@@data ");

export function parsePoll(bytes: Uint8Array): PollResult {
  const at = indexOf(bytes, DATA);
  if (at < 0) throw new Error("poll printed no @@data line");
  const head = new TextDecoder().decode(bytes.subarray(0, at));
  const nl = bytes.indexOf(10, at + DATA.length);
  const sizes = new TextDecoder()
    .decode(bytes.subarray(at + DATA.length, nl))
    .trim()
    .split(" ");
  const [a, b] = sizes.map(Number) as [number, number];
  if (!Number.isInteger(a) || !Number.isInteger(b)) throw new Error(`bad @@data line: ${sizes}`);
  const body = bytes.subarray(nl + 1);
  if (body.length < a + b) throw new Error(`poll output cut short (${body.length} < ${a + b})`);
  const text = head.replace(/^@@state\n/, "");
  const sacctAt = text.indexOf("@@sacct\n");
  const status =
    sacctAt >= 0 ? parseSacctJob(text.slice(sacctAt + "@@sacct\n".length)) : parseScontrolJob(text);
  return {
    ...(status ? { status } : {}),
    forgotten: !status && /Invalid job id/i.test(text),
    stdout: body.subarray(0, a),
    stderr: body.subarray(a, a + b),
    stateText: text.replace("@@sacct\n", "").trim().replaceAll("\n", "; "),
  };
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
