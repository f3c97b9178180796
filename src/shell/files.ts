// Files a command line writes with downloaded or decoded data (curl -o f, wget URL, base64 -d > f),
// so that running them later in the same line (sh f, ./f, source f) is judged like curl | sh.

/** curl short options that take a value (the next argument, or the rest of the group). */
const CURL_VALUED = "AbcCdDeEFHKmoPQrtTuUwxXyYzh";
/** wget short options that take a value (-o is the log file, -O the document). */
const WGET_VALUED = "oaOPtTwQeiBUlARDIX";

interface Parsed {
  /** Option letter or long name → its values, in order. */
  values: Map<string, string[]>;
  flags: Set<string>;
  operands: string[];
}

function parse(args: string[], valuedShort: string, valuedLong: string[]): Parsed {
  const out: Parsed = { values: new Map(), flags: new Set(), operands: [] };
  const add = (key: string, value: string | undefined) => {
    if (value === undefined) return;
    out.values.set(key, [...(out.values.get(key) ?? []), value]);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") {
      out.operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const key = eq < 0 ? a : a.slice(0, eq);
      if (eq >= 0) add(key, a.slice(eq + 1));
      else if (valuedLong.includes(key)) add(key, args[++i]);
      else out.flags.add(key);
    } else if (a.startsWith("-") && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const letter = a[k] as string;
        if (!valuedShort.includes(letter)) {
          out.flags.add(`-${letter}`);
          continue;
        }
        add(`-${letter}`, k + 1 < a.length ? a.slice(k + 1) : args[++i]);
        break;
      }
    } else out.operands.push(a);
  }
  return out;
}

/** The file name a URL is saved under by curl -O / wget: its last path segment. */
function remoteName(url: string): string | undefined {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "").replace(/[?#].*$/, "");
  const name = path.slice(path.lastIndexOf("/") + 1);
  return name || undefined;
}

const join = (dir: string | undefined, name: string) =>
  dir && !name.startsWith("/") ? `${dir.replace(/\/+$/, "")}/${name}` : name;

/** Files a downloader writes what it fetched to (not stdout: `-o -`). */
export function downloadTargets(name: string, args: string[]): string[] {
  const files: string[] = [];
  if (name === "curl") {
    const p = parse(args, CURL_VALUED, [
      "--output",
      "--output-dir",
      "--url",
      "--data",
      "--header",
      "--user-agent",
      "--user",
      "--request",
      "--proxy",
      "--cookie",
      "--cookie-jar",
      "--config",
      "--max-time",
      "--write-out",
      "--range",
      "--referer",
      "--upload-file",
      "--form",
      "--dump-header",
      "--retry",
      "--connect-timeout",
    ]);
    const dir = p.values.get("--output-dir")?.at(-1);
    files.push(...[...(p.values.get("-o") ?? []), ...(p.values.get("--output") ?? [])]);
    if (p.flags.has("-O") || p.flags.has("--remote-name") || p.flags.has("--remote-name-all")) {
      const urls = [...p.operands, ...(p.values.get("--url") ?? [])];
      for (const url of urls) {
        const file = remoteName(url);
        if (file) files.push(file);
      }
    }
    return files.filter((f) => f !== "-").map((f) => join(dir, f));
  }
  if (name === "wget") {
    const p = parse(args, WGET_VALUED, [
      "--output-document",
      "--directory-prefix",
      "--output-file",
      "--append-output",
      "--tries",
      "--timeout",
      "--wait",
      "--header",
      "--user-agent",
      "--user",
      "--password",
      "--input-file",
    ]);
    const documents = [...(p.values.get("-O") ?? []), ...(p.values.get("--output-document") ?? [])];
    if (documents.length > 0) return documents.filter((f) => f !== "-");
    const dir = [...(p.values.get("-P") ?? []), ...(p.values.get("--directory-prefix") ?? [])].at(
      -1,
    );
    return p.operands.flatMap((url) => {
      const file = remoteName(url) ?? "index.html";
      return [join(dir, file)];
    });
  }
  if (name === "aria2c") {
    const p = parse(args, "odx", ["--out", "--dir"]);
    const dir = [...(p.values.get("-d") ?? []), ...(p.values.get("--dir") ?? [])].at(-1);
    const outs = [...(p.values.get("-o") ?? []), ...(p.values.get("--out") ?? [])];
    const names = outs.length > 0 ? outs : p.operands.flatMap((u) => remoteName(u) ?? []);
    return names.map((f) => join(dir, f));
  }
  // scp / rsync / sftp HOST:PATH LOCAL: a copy from another machine is a download.
  if (name === "scp" || name === "rsync" || name === "sftp") {
    const operands = args.filter((a) => !a.startsWith("-"));
    const target = operands.at(-1);
    if (target && !isRemote(target))
      for (const source of operands.slice(0, -1).filter(isRemote)) {
        // scp host:x.sh . (or dir/): the file keeps its name in that directory.
        const base = source.replace(/\/+$/, "").split(/[:/]/).pop() ?? "";
        files.push(target === "." || target.endsWith("/") ? join(target, base) : target);
      }
  }
  return files;
}

/** user@host:path or host:path (not a local path that happens to hold a colon after a slash). */
export function isRemote(operand: string): boolean {
  return /^[^/:]+:/.test(operand) && !/^[a-z]+:\/\//i.test(operand);
}
