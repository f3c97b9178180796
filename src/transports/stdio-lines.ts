// stdin for MCP over stdio, one message per chunk. The SDK's ReadBuffer concatenates each chunk
// onto all it holds and scans the whole of it for a newline again: quadratic in a message's size
// (a put_file of 32 MB took 47 s, 63 MB over two minutes). Handed whole lines, it copies each
// message once. A line over `maxLine` bytes is dropped here and said so on stderr: past its own
// bound the SDK closes the transport, which would end the server for one oversized request.
import { type Readable, Transform } from "node:stream";

export function wholeLines(
  input: Readable,
  maxLine: number,
  onDropped: (bytes: number) => void,
): Transform {
  let parts: Buffer[] = [];
  let pending = 0;
  let dropping = false;
  const lines = new Transform({
    // Object mode on the reading side: a pushed line is never merged with the next one.
    readableObjectMode: true,
    transform(chunk: Buffer, _encoding, done) {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        pending += nl + 1 - start;
        if (dropping || pending > maxLine) onDropped(pending);
        else {
          parts.push(chunk.subarray(start, nl + 1));
          this.push(parts.length === 1 ? parts[0] : Buffer.concat(parts));
        }
        parts = [];
        pending = 0;
        dropping = false;
        start = nl + 1;
      }
      if (start < chunk.length) {
        pending += chunk.length - start;
        if (pending > maxLine) {
          dropping = true;
          parts = [];
        }
        if (!dropping) parts.push(chunk.subarray(start));
      }
      done();
    },
    flush(done) {
      if (parts.length > 0) this.push(Buffer.concat(parts));
      parts = [];
      done();
    },
  });
  input.on("error", (err) => lines.destroy(err));
  return input.pipe(lines);
}
