import { mkdtempSync } from "node:fs"; import { join } from "node:path"; import { tmpdir } from "node:os";
import { TaskStore } from "../../../src/tasks/store.ts";
const d = mkdtempSync(join(tmpdir(), "sq-")); const s = TaskStore.open(d);
const runner = { pid: 1, identity: "x" };
const N = 500; const t0 = performance.now();
for (let i = 0; i < N; i++) {
  s.started({ task_id: "t" + i, requester: "cli", command: "true", node: "n1", route_reason: "r", started_at: Date.now() }, runner, { stdout: "/a", stderr: "/b" });
}
const t1 = performance.now();
for (let i = 0; i < N; i++) s.finished({ task_id: "t" + i, node: "n1", command: "true", exit_code: 0, signal: null, stdout: "", stderr: "", truncated: false, duration_ms: 1, timed_out: false, canceled: false, route: { reason: "r", candidates: [] } }, 0, Date.now(), 0);
const t2 = performance.now();
s.db.exec("BEGIN"); for (let i = 0; i < N; i++) s.started({ task_id: "u" + i, requester: "cli", command: "true", node: "n1", route_reason: "r", started_at: Date.now() }, runner); s.db.exec("COMMIT");
const t3 = performance.now();
console.log("started ms", ((t1 - t0) / N).toFixed(3), "finished ms", ((t2 - t1) / N).toFixed(3), "started in one txn", ((t3 - t2) / N).toFixed(3));
