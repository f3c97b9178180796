// The commands of a cron table: `MIN HOUR DOM MON DOW CMD` or `@reboot CMD` lines (a system table
// has a user field before CMD); comments, blank lines and VAR=value lines run nothing.

export function cronCommands(table: string, system = false): string[] {
  const out: string[] = [];
  for (const raw of table.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || /^[A-Za-z_]\w*\s*=/.test(line)) continue;
    const fields = line.split(/\s+/);
    const skip = (line.startsWith("@") ? 1 : 5) + (system ? 1 : 0);
    if (fields.length <= skip) continue;
    // Everything after an unescaped % is the command's stdin, not shell code.
    const command = splitAfter(line, skip).replace(/(^|[^\\])%[\s\S]*$/, "$1");
    if (command) out.push(command);
  }
  return out;
}

/** LINE without its first N whitespace-separated fields. */
function splitAfter(line: string, n: number): string {
  let rest = line;
  for (let k = 0; k < n; k++) rest = rest.replace(/^\S+\s+/, "");
  return rest.trim();
}
