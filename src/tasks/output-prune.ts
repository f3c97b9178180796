// The bound on stored run output (output_store_max_bytes): past it, the output files of the runs
// that ended first are removed. Their rows (state, exit code, times) stay until task_retention.
import { rmSync } from "node:fs";
import { tailPath } from "./output-file.ts";
import type { TaskStore } from "./store.ts";

const BATCH = 200;

/**
 * Removes the oldest finished runs' output until the stored total is at most `maxBytes`; `keep`
 * (the run that just ended, whose caller may page it next) is never removed. Returns how many
 * runs lost their output.
 */
export function pruneStoredOutput(store: TaskStore, maxBytes: number, keep?: string): number {
  store.flush(); // its queued writes first: the sums below must see them
  const { db } = store;
  let total =
    (
      db.query("SELECT SUM(output_bytes) AS n FROM tasks WHERE output_bytes > 0").get() as {
        n: number | null;
      }
    ).n ?? 0;
  let pruned = 0;
  const oldest = db.query(
    `SELECT id, stdout_path, stderr_path, output_bytes FROM tasks
     WHERE output_bytes > 0 AND finished_at IS NOT NULL AND id != $keep
     ORDER BY finished_at, id LIMIT ${BATCH}`,
  );
  const mark = db.query("UPDATE tasks SET output_bytes = 0, output_pruned = 1 WHERE id = $id");
  while (total > maxBytes) {
    const rows = oldest.all({ keep: keep ?? "" }) as {
      id: string;
      stdout_path: string | null;
      stderr_path: string | null;
      output_bytes: number;
    }[];
    if (rows.length === 0) break;
    for (const row of rows) {
      if (total <= maxBytes) break;
      for (const f of [row.stdout_path, row.stderr_path]) {
        if (!f) continue;
        rmSync(f, { force: true });
        rmSync(tailPath(f), { force: true });
      }
      mark.run({ id: row.id });
      total -= row.output_bytes;
      pruned++;
    }
  }
  return pruned;
}
