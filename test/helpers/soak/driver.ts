// The soak's client driver, run inside the controller namespace (where the HTTP server's
// 127.0.0.1 is): argv[2] is the JSON DriverArgs. Prints one JSON CallRecord per line; stops its
// users when a line "stop" arrives on stdin (or stdin closes), then prints {"type":"done"}.
import { cliLoop } from "./cli-user.ts";
import { httpConnector, McpUser, stdioConnector } from "./clients.ts";
import type { CallRecord, DriverArgs } from "./types.ts";

const a = JSON.parse(process.argv[2] as string) as DriverArgs;
const g = { tag: a.tag, sleepTag: a.sleepTag, markerPath: a.markerPath };
const emit = (r: CallRecord) => process.stdout.write(`${JSON.stringify(r)}\n`);
let stopped = false;
const stop = () => stopped;
// A line "stop" on stdin (or its end) stops the users. (Recovery probes are processes of their own:
// prober.ts, started by the harness.)
void (async () => {
  let buf = "";
  for await (const chunk of process.stdin) {
    buf += String(chunk);
    const lines = buf.split("\n");
    buf = lines.pop() ?? "";
    for (const l of lines) {
      if (l.trim() === "stop") stopped = true;
    }
    if (stopped) break;
  }
  stopped = true;
})();

const loops: Promise<void>[] = [];
for (let i = 1; i <= a.httpClients; i++)
  loops.push(new McpUser(`h${i}`, a, g, httpConnector(a, `h${i}`), emit).loop(stop));
for (let i = 1; i <= a.stdioClients; i++)
  loops.push(new McpUser(`s${i}`, a, g, stdioConnector(a, `s${i}`), emit).loop(stop));
if (a.cli) loops.push(cliLoop(a, g, emit, stop));
await Promise.all(loops);
process.stdout.write(`${JSON.stringify({ type: "done" })}\n`);
process.exit(0);
