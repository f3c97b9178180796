// One recovery probe, as a process of its own inside the controller namespace: argv[2] is the JSON
// DriverArgs, argv[3] the restarted node, argv[4] the probe's name. Prints one JSON CallRecord per
// line (as the driver does) and its steps on stderr, then exits. A process per probe, started by
// the harness at the restart: the probe asked through the driver's stdin was never started in two
// CI runs, after the server's restart, and nothing on record said why.
import { httpConnector, McpUser } from "./clients.ts";
import type { CallRecord, DriverArgs } from "./types.ts";

const a = JSON.parse(process.argv[2] as string) as DriverArgs;
const node = process.argv[3] as string;
const name = process.argv[4] as string;
const g = { tag: a.tag, sleepTag: a.sleepTag, markerPath: a.markerPath };
const emit = (r: CallRecord) => process.stdout.write(`${JSON.stringify(r)}\n`);
await new McpUser(name, a, g, httpConnector(a, `prober-${name}`), emit).probe(node, () => false);
process.exit(0);
