// The agent's frames: what one side encodes the other reads back, however the bytes are cut.
import { describe, expect, test } from "bun:test";
import {
  encodeCredit,
  encodeFrame,
  encodeJson,
  FrameReader,
  frameHeader,
  MAX_FRAME,
  ProtocolError,
  parseJson,
  readCredit,
  T,
} from "./protocol.ts";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("frames", () => {
  const output = new Uint8Array(70_000).map((_, i) => i % 251);
  const stream = concat([
    encodeJson(T.run, 7, { command: "echo hi", timeout_ms: 1000, kill_grace_ms: 100 }),
    frameHeader(T.stdout, 7, output.length),
    output,
    encodeCredit(7, 65_536),
    encodeFrame(0x7f, 3, new Uint8Array([1, 2, 3])), // a type this version does not know
    encodeFrame(T.kill, 7),
  ]);

  function check(frames: { type: number; id: number; payload: Uint8Array }[]) {
    expect(frames.map((f) => [f.type, f.id])).toEqual([
      [T.run, 7],
      [T.stdout, 7],
      [T.credit, 7],
      [0x7f, 3],
      [T.kill, 7],
    ]);
    expect(parseJson<{ command: string }>(frames[0]?.payload as Uint8Array).command).toBe(
      "echo hi",
    );
    expect(frames[1]?.payload).toEqual(output);
    expect(readCredit(frames[2]?.payload as Uint8Array)).toBe(65_536);
    expect(frames[3]?.payload).toEqual(new Uint8Array([1, 2, 3]));
    expect(frames[4]?.payload.length).toBe(0);
  }

  test("read back whole", () => {
    const r = new FrameReader();
    check(r.push(stream));
    expect(r.pending).toBe(0);
  });

  test("read back however the stream is cut (byte by byte, odd sizes)", () => {
    for (const size of [1, 3, 4, 5, 9, 1000, 65_537]) {
      const r = new FrameReader();
      const frames = [];
      for (let at = 0; at < stream.length; at += size)
        frames.push(...r.push(stream.subarray(at, at + size)));
      check(frames);
      expect(r.pending).toBe(0);
    }
  });

  test("push(chunk, 1) takes the first frame and holds what follows unread (raw bytes after it)", () => {
    const raw = new TextEncoder().encode('{"jsonrpc":"2.0","id":0,"method":"initialize"}\n');
    const first = encodeJson(T.run, 1, { command: "x" });
    for (const cut of [first.length, first.length + 5, first.length + raw.length]) {
      const bytes = concat([first, raw]);
      const r = new FrameReader();
      const got = [...r.push(bytes.subarray(0, cut), 1)];
      if (got.length === 0) got.push(...r.push(bytes.subarray(cut), 1));
      else r.push(bytes.subarray(cut), 0);
      expect(got.map((f) => f.type)).toEqual([T.run]);
      expect(new TextDecoder().decode(r.rest())).toBe(new TextDecoder().decode(raw));
    }
  });

  test("a length outside 5..MAX_FRAME+5 is a protocol error, naming the length", () => {
    const bad = new Uint8Array(9);
    new DataView(bad.buffer).setUint32(0, MAX_FRAME + 6);
    expect(() => new FrameReader().push(bad)).toThrow(ProtocolError);
    expect(() => new FrameReader().push(new Uint8Array([0, 0, 0, 4, 1]))).toThrow(
      "bad frame length 4",
    );
  });
});
