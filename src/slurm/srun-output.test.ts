import { describe, expect, test } from "bun:test";
import { JobMarkReader, SrunStderrFilter } from "./srun-output.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Feeds the text in pieces of `step` bytes and returns what passed through. */
function feed(
  f: { push(c: Uint8Array): Uint8Array; flush(): Uint8Array },
  text: string,
  step: number,
) {
  const bytes = enc(text);
  let out = "";
  for (let i = 0; i < bytes.length; i += step) out += dec(f.push(bytes.subarray(i, i + step)));
  return out + dec(f.flush());
}

describe("the job id line on stdout", () => {
  test("is read and removed, in any chunking; the rest is the command's output", () => {
    for (const step of [1, 3, 7, 1000]) {
      const r = new JobMarkReader();
      expect(feed(r, "\x1ecluster-exec:job=4711\nhello\nworld", step)).toBe("hello\nworld");
      expect(r.jobId).toBe("4711");
    }
  });
  test("output that does not start with it passes untouched (no job id)", () => {
    const r = new JobMarkReader();
    expect(feed(r, "plain output\n", 2)).toBe("plain output\n");
    expect(r.jobId).toBeNull();
  });
});

describe("srun's lines on stderr", () => {
  test("the task status line is removed and remembered; the command's stderr is kept", () => {
    for (const step of [1, 5, 4096]) {
      const f = new SrunStderrFilter();
      const out = feed(
        f,
        "err\nsrun: error: n1: task 0: Exited with exit code 3\nmore err\n",
        step,
      );
      expect(out).toBe("err\nmore err\n");
      expect(f.end).toEqual({ kind: "exit", code: 3 });
    }
  });
  test("a signal, a cancellation (time limit too) and srun's chatter", () => {
    const f = new SrunStderrFilter();
    const out = feed(
      f,
      [
        "srun: Job step aborted: Waiting up to 32 seconds for job step to finish.",
        "slurmstepd-n1: error: *** STEP 11.0 ON n1 CANCELLED AT 2026-11-30T04:13:32 DUE TO TIME LIMIT ***",
        "srun: error: n1: task 0: Terminated",
        "srun: Force Terminated StepId=11.0",
        "",
      ].join("\n"),
      7,
    );
    expect(out).toBe("");
    expect(f.end).toEqual({ kind: "signal", text: "Terminated" });
    expect(f.cancelled).toBe(true);
    expect(f.timeLimit).toBe(true);
  });
  test("srun's own errors stay (they say why a job did not start) and are remembered", () => {
    const f = new SrunStderrFilter();
    const line = "srun: error: Unable to allocate resources: Invalid partition name specified\n";
    expect(feed(f, line, 3)).toBe(line);
    expect(f.errors).toEqual(["Unable to allocate resources: Invalid partition name specified"]);
  });
  test("a line that only starts like srun's, a partial last line, and lines that are not srun's", () => {
    const f = new SrunStderrFilter();
    expect(feed(f, "srun: my own message\nsrunner\nslurm\npartial", 2)).toBe(
      "srun: my own message\nsrunner\nslurm\npartial",
    );
    expect(f.end).toBeUndefined();
  });
  test("a line not starting like srun's is passed on at once, before its newline", () => {
    const f = new SrunStderrFilter();
    expect(dec(f.push(enc("progress 10%")))).toBe("progress 10%");
    expect(dec(f.push(enc(" 20%\n")))).toBe(" 20%\n");
  });
});
