// The macOS profile cannot run here (no sandbox-exec): its text is checked, the behaviour is not.
import { describe, expect, test } from "bun:test";
import { seatbeltParamNames, seatbeltProfile } from "./seatbelt.ts";

describe("sandbox-exec profiles", () => {
  test("workspace: every write denied, then the workspace, temp dir, devices and writable paths", () => {
    const spec = { level: "workspace" as const, writable: ["~/.cache", "/srv/x"] };
    const p = seatbeltProfile(spec);
    const lines = p.split("\n");
    expect(lines.slice(0, 3)).toEqual(["(version 1)", "(allow default)", "(deny file-write*)"]);
    expect(p).toContain('(subpath (param "WS")) (subpath (param "TMP")) (subpath (param "TMPR"))');
    expect(p).toContain('(literal "/dev/null")');
    expect(p).toContain('(allow file-write* (subpath (param "W0")) (subpath (param "W1")))');
    expect(p).toContain('(deny process-exec (literal "/usr/bin/sudo")');
    expect(seatbeltParamNames(spec)).toEqual(["WS", "TMP", "TMPR", "W0", "W1"]);
    // No path of the node is spliced into the text: they come as -D parameters.
    expect(p).not.toContain(".cache");
  });

  test("system: writes denied under the system directories and to disks only", () => {
    const p = seatbeltProfile({ level: "system", writable: [] });
    expect(p).not.toContain("(deny file-write*)\n");
    expect(p).toContain('(deny file-write* (subpath "/bin")');
    expect(p).toContain('(subpath "/System") (subpath "/Library")');
    expect(p).toContain('(regex #"^/dev/r?disk")');
    expect(seatbeltParamNames({ level: "system", writable: [] })).toEqual([]);
  });
});
