// The resident agent's wire format: length-prefixed binary frames on one SSH channel, shared by the
// node side (server.ts, the hidden `agent` verb) and the controller side (client.ts).
//
//   u32 length (of what follows) | u8 type | u32 id | payload
//
// `id` names a run (or a probe request); 0 is the session itself. Control payloads are JSON, output
// payloads raw bytes. A type the reader does not know is skipped, so later versions can add some;
// anything that changes the meaning of an existing frame bumps PROTOCOL_VERSION.

/** Both ends say theirs in HELLO; a different one means "use per-command exec instead". */
export const PROTOCOL_VERSION = 1;

/**
 * The agent's first bytes, before any frame. A login shell's rc files may print to stdout before
 * the agent starts; everything up to this line is such noise and is skipped (at most NOISE_LIMIT).
 */
export const MAGIC = new TextEncoder().encode("\x1ecluster-exec agent\n");
export const NOISE_LIMIT = 64 * 1024;

/** Largest frame either side accepts (output is sent in chunks well below it). */
export const MAX_FRAME = 1024 * 1024;

/** Output bytes a run may have in flight before the controller hands credit back. */
export const RUN_WINDOW = 4 * 1024 * 1024;

/** Output is cut into frames of at most this many bytes. */
export const MAX_CHUNK = 256 * 1024;

export const T = {
  // controller → agent
  hello: 0x01,
  run: 0x02,
  kill: 0x03,
  credit: 0x04,
  probe: 0x05,
  // agent → controller
  welcome: 0x81,
  /** The run's process group is known: {pgid} (before its output). */
  started: 0x82,
  stdout: 0x83,
  stderr: 0x84,
  exit: 0x85,
  sample: 0x86,
} as const;

export type FrameType = (typeof T)[keyof typeof T];

export interface Frame {
  type: number;
  id: number;
  payload: Uint8Array;
}

export interface Hello {
  protocol: number;
  /** Push a load sample this often (0: only on request). */
  probe_interval_ms: number;
}

export interface Welcome {
  protocol: number;
  /** The agent's program version (cluster-exec VERSION). */
  version: string;
  pid: number;
}

/** What a run asks for: a shell line or an argument vector, and how it may end. */
export interface RunMessage {
  command?: string;
  argv?: string[];
  cwd?: string;
  env?: Record<string, string>;
  timeout_ms: number;
  kill_grace_ms: number;
  /** Passed through to the node's local executor (sandbox and later fields ride along). */
  [extra: string]: unknown;
}

export interface ExitMessage {
  exit_code: number | null;
  signal: string | null;
  timed_out: boolean;
  canceled: boolean;
  duration_ms: number;
  error?: { code: string; message: string };
}

const HEADER = 9;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One frame as bytes. */
export function encodeFrame(type: number, id: number, payload: Uint8Array = EMPTY): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 5 + payload.length);
  out[4] = type;
  view.setUint32(5, id);
  out.set(payload, HEADER);
  return out;
}

/** A frame's header alone (the payload follows as its own buffer: no copy of large output). */
export function frameHeader(type: number, id: number, payloadLength: number): Uint8Array {
  const out = new Uint8Array(HEADER);
  const view = new DataView(out.buffer);
  view.setUint32(0, 5 + payloadLength);
  out[4] = type;
  view.setUint32(5, id);
  return out;
}

export function encodeJson(type: number, id: number, value: unknown): Uint8Array {
  return encodeFrame(type, id, encoder.encode(JSON.stringify(value)));
}

export function encodeCredit(id: number, bytes: number): Uint8Array {
  const p = new Uint8Array(4);
  new DataView(p.buffer).setUint32(0, bytes);
  return encodeFrame(T.credit, id, p);
}

export function readCredit(payload: Uint8Array): number {
  return payload.length >= 4 ? new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0) : 0;
}

export function parseJson<V>(payload: Uint8Array): V {
  return JSON.parse(decoder.decode(payload)) as V;
}

/** A frame that breaks the format: the stream cannot be trusted past it. */
export class ProtocolError extends Error {}

/**
 * Cuts a byte stream into frames. Chunks are kept as they come and copied only where a frame
 * spans two of them, so output passes with one copy at most.
 */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  /**
   * Feeds bytes; returns the frames they complete (throws ProtocolError on a bad length), at most
   * `max` of them: what follows stays held (a stream that stops being framed after its first
   * frame may carry other bytes in the same chunk).
   */
  push(chunk: Uint8Array, max = Number.POSITIVE_INFINITY): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    while (this.buffered >= 4 && frames.length < max) {
      const head = this.peek(4);
      const len = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
      if (len < 5 || len > MAX_FRAME + 5)
        throw new ProtocolError(`bad frame length ${len} (expected 5..${MAX_FRAME + 5})`);
      if (this.buffered < 4 + len) break;
      const bytes = this.take(4 + len);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      frames.push({
        type: bytes[4] as number,
        id: view.getUint32(5),
        payload: bytes.subarray(HEADER),
      });
    }
    return frames;
  }

  /** Bytes held that do not form a whole frame yet. */
  get pending(): number {
    return this.buffered;
  }

  /** Takes the bytes held back (for a stream that stops being framed after its first frames). */
  rest(): Uint8Array {
    const out = this.buffered > 0 ? this.take(this.buffered) : new Uint8Array(0);
    this.chunks = [];
    this.buffered = 0;
    return out;
  }

  /** The first n bytes without consuming them (n <= buffered); small spans are merged in place. */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length >= n) return first;
    let j = 0;
    let have = 0;
    while (have < n) have += (this.chunks[j++] as Uint8Array).length;
    const merged = new Uint8Array(have);
    let at = 0;
    for (const c of this.chunks.slice(0, j)) {
      merged.set(c, at);
      at += c.length;
    }
    this.chunks.splice(0, j, merged);
    return merged;
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n); // every byte is written below: no zero fill
    let at = 0;
    while (at < n) {
      const c = this.chunks[0] as Uint8Array;
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}

const EMPTY = new Uint8Array(0);
