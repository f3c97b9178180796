// Large literal here-document bodies taken out of a command line before it is parsed: the parser
// needs ~1 s for a 1 MiB body, the analysis needs only the body's text. Each body is replaced by a
// one-line marker; parse.ts puts the text back where the parser found the marker, and parses the
// original instead when any marker is not found exactly as placed (so a wrong guess here can
// only cost time, never change what the analysis sees).

/** Below this size a command is parsed as it is: the lifting would save nothing. */
export const LIFT_FROM_LENGTH = 16 * 1024;
/** Bodies shorter than this stay in place. */
const MIN_BODY = 256;

export interface LiftedBody {
  marker: string;
  /** The body as written, up to (not including) the delimiter line. */
  body: string;
  /** `<<'EOF'`, `<<"EOF"` or `<<\EOF`: never expanded. */
  quoted: boolean;
}

export interface Lifted {
  /** The command line with each lifted body replaced by its marker line. */
  source: string;
  bodies: Map<string, LiftedBody>;
}

// `<<` (not `<<-`, whose tab stripping the parser reports in its own way), optional blanks, and a
// delimiter that is a plain word, optionally quoted as a whole.
const OPERATOR =
  /<<[ \t]*(?:'([A-Za-z0-9_.-]+)'|"([A-Za-z0-9_.-]+)"|\\([A-Za-z0-9_.-]+)|([A-Za-z0-9_][A-Za-z0-9_.-]*))/g;
/** What makes an unquoted body expand: then the parser must read it. */
const EXPANDS = /[$`\\]/;

/** The bodies worth lifting, or undefined when there is none. */
export function liftHeredocBodies(source: string): Lifted | undefined {
  const nonce = Math.random().toString(36).slice(2, 10);
  const bodies = new Map<string, LiftedBody>();
  const out: string[] = [];
  let copied = 0;
  let from = 0;
  for (;;) {
    const ops = operatorsOnLine(source, from);
    if (!ops) break;
    let bodyStart = ops.lineEnd + 1;
    for (const op of ops.list) {
      const end = delimiterLine(source, bodyStart, op.delimiter);
      if (!end) return finish(source, out, copied, bodies);
      const body = source.slice(bodyStart, end.start);
      if (body.length >= MIN_BODY && (op.quoted || !EXPANDS.test(body))) {
        const marker = `__cluster_exec_lifted_${nonce}_${bodies.size}__`;
        bodies.set(marker, { marker, body, quoted: op.quoted });
        out.push(source.slice(copied, bodyStart), `${marker}\n`);
        copied = end.start;
      }
      bodyStart = end.next;
    }
    from = bodyStart;
  }
  return finish(source, out, copied, bodies);
}

function finish(
  source: string,
  out: string[],
  copied: number,
  bodies: Map<string, LiftedBody>,
): Lifted | undefined {
  if (bodies.size === 0) return undefined;
  out.push(source.slice(copied));
  return { source: out.join(""), bodies };
}

interface Operator {
  delimiter: string;
  quoted: boolean;
}

/** The next here-doc operators from `from`, all on one line, and where that line ends. */
function operatorsOnLine(
  source: string,
  from: number,
): { list: Operator[]; lineEnd: number } | undefined {
  OPERATOR.lastIndex = from;
  let m = nextOperator(source);
  if (!m) return undefined;
  const lineEnd = source.indexOf("\n", m.index + m[0].length);
  if (lineEnd < 0) return undefined;
  const list: Operator[] = [];
  while (m && m.index < lineEnd) {
    const quoted = m[4] === undefined;
    list.push({ delimiter: (m[1] ?? m[2] ?? m[3] ?? m[4]) as string, quoted });
    m = nextOperator(source);
  }
  return { list, lineEnd };
}

function nextOperator(source: string): RegExpExecArray | null {
  for (;;) {
    const m = OPERATOR.exec(source);
    // `<<<` is a here-string, not a here-doc.
    if (!m || source[m.index - 1] !== "<") return m;
    OPERATOR.lastIndex = m.index + 2;
  }
}

/** The line that is exactly the delimiter, at or after `at` (a line start). */
function delimiterLine(
  source: string,
  at: number,
  delimiter: string,
): { start: number; next: number } | undefined {
  let start: number;
  if (source.startsWith(`${delimiter}\n`, at)) start = at;
  else {
    const i = source.indexOf(`\n${delimiter}\n`, at - 1);
    if (i >= 0) start = i + 1;
    else if (source.endsWith(`\n${delimiter}`) && source.length - delimiter.length >= at)
      start = source.length - delimiter.length;
    else return undefined;
  }
  return { start, next: Math.min(source.length, start + delimiter.length + 1) };
}
