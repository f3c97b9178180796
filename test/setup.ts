// Preloaded by `bun test` (bunfig.toml): every temporary file of the run goes into one directory
// that is removed when the run ends, so tests leave nothing behind in /tmp.
import { afterAll, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = mkdtempSync(join(tmpdir(), "cluster-exec-tests-"));
process.env.TMPDIR = root;
afterAll(() => rmSync(root, { recursive: true, force: true }));

// bunfig's [test] timeout is not applied by this Bun (every test got 5 s): integration tests that
// start processes and clusters need room on a loaded machine.
setDefaultTimeout(60_000);

// Tests run every verb in its own process unless they ask for the background process themselves
// (CLUSTER_NO_DAEMON=0 in the child's environment): none is left running after a test file.
process.env.CLUSTER_NO_DAEMON = "1";
