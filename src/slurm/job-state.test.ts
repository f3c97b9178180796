import { describe, expect, test } from "bun:test";
import { jobEnding, parseSacctJob, parseScontrolJob } from "./job-state.ts";
import { jobTimeLimit, slurmMinutes } from "./time.ts";

const scontrol = (state: string, exit: string, reason = "None") =>
  `JobId=15 JobName=ce-x UserId=cetest(1000) JobState=${state} Reason=${reason} Dependency=(null) ExitCode=${exit} RunTime=00:00:01 StdOut=/home/cetest/o.15`;

describe("a batch job's state", () => {
  test("scontrol's one-line record", () => {
    expect(parseScontrolJob(scontrol("RUNNING", "0:0"))).toMatchObject({
      state: "RUNNING",
      final: false,
    });
    expect(parseScontrolJob(scontrol("FAILED", "0:9", "JobLaunchFailure"))).toEqual({
      state: "FAILED",
      reason: "JobLaunchFailure",
      exitCode: 0,
      exitSignal: 9,
      final: true,
    });
    expect(parseScontrolJob("slurm_load_jobs error: Invalid job id specified")).toBeUndefined();
  });
  test("sacct's parsable record (a job the controller forgot)", () => {
    expect(parseSacctJob("5|FAILED|7:0|None")).toEqual({
      state: "FAILED",
      exitCode: 7,
      exitSignal: 0,
      final: true,
    });
    expect(parseSacctJob("6|CANCELLED by 1000|0:15|None")).toMatchObject({
      state: "CANCELLED",
      final: true,
    });
    expect(parseSacctJob("")).toBeUndefined();
  });
  test("what the end means for the run", () => {
    const end = (state: string, exit: string, reason?: string) =>
      jobEnding("15", parseScontrolJob(scontrol(state, exit, reason)) as never);
    expect(end("COMPLETED", "0:0")).toMatchObject({ exit_code: 0, signal: null });
    expect(end("FAILED", "7:0")).toMatchObject({ exit_code: 7, signal: null });
    expect(end("FAILED", "0:9")).toMatchObject({ exit_code: null, signal: "SIGKILL" });
    expect(end("CANCELLED", "0:15")).toMatchObject({
      canceled: true,
      signal: "SIGTERM",
      exit_code: null,
    });
    expect(end("TIMEOUT", "0:15")).toMatchObject({ timed_out: true, exit_code: null });
    expect(end("OUT_OF_MEMORY", "0:125", "OutOfMemory").error).toEqual({
      code: "JOB_FAILED",
      message:
        "Slurm ended job 15: OUT_OF_MEMORY (OutOfMemory); the command's own outcome is unknown",
    });
  });
});

describe("time limits", () => {
  test("every Slurm form in minutes", () => {
    expect(slurmMinutes("30")).toBe(30);
    expect(slurmMinutes("1:30")).toBe(2);
    expect(slurmMinutes("2:00:00")).toBe(120);
    expect(slurmMinutes("1-12")).toBe(2160);
    expect(slurmMinutes("1-0:30")).toBe(1470);
    expect(slurmMinutes("1-0:0:1")).toBe(1441);
    expect(slurmMinutes("soon")).toBeNaN();
  });
  test("the job's --time: the configured limit, else the run's timeout plus a minute", () => {
    expect(jobTimeLimit("2:00:00", 5000)).toBe("2:00:00");
    expect(jobTimeLimit(undefined, 300_000)).toBe("6");
    expect(jobTimeLimit(undefined, 1)).toBe("2");
  });
});
