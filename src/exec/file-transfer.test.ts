// Atomic writes and ranged reads over the local adapter (real files in a temp directory).
import { afterAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClusterError } from "../errors.ts";
import { FileOpError, type FileOps } from "./file-ops.ts";
import { createFileTransfer } from "./file-transfer.ts";
import { createLocalFileOps } from "./local-files.ts";

const dir = mkdtempSync(join(tmpdir(), "ce-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const files = createFileTransfer("here", createLocalFileOps(dir));
const bytes = (s: string) => new TextEncoder().encode(s);

describe("paths", () => {
  test("~, ~/x and relative paths are taken from the home directory", async () => {
    expect(await files.resolve("~")).toBe(dir);
    expect(await files.resolve("~/a/b")).toBe(`${dir}/a/b`);
    expect(await files.resolve("a/b")).toBe(`${dir}/a/b`);
    expect(await files.resolve("/etc/x")).toBe("/etc/x");
  });
});

describe("atomic writes", () => {
  test("creates parent directories, writes, sets the mode, leaves no temp file", async () => {
    const r = await files.write("deep/er/f.txt", bytes("hello\n"), { mode: 0o640 });
    expect(r).toMatchObject({ path: `${dir}/deep/er/f.txt`, bytes: 6, mode: 0o640, created: true });
    expect(readFileSync(`${dir}/deep/er/f.txt`, "utf8")).toBe("hello\n");
    expect(statSync(`${dir}/deep/er/f.txt`).mode & 0o777).toBe(0o640);
    expect(readdirSync(`${dir}/deep/er`)).toEqual(["f.txt"]);
  });

  test("replacing keeps the old mode; append keeps the old content", async () => {
    writeFileSync(`${dir}/run.sh`, "echo 1\n", { mode: 0o755 });
    const r = await files.write("run.sh", bytes("echo 2\n"), { append: true });
    expect(r).toMatchObject({ bytes: 14, mode: 0o755, created: false });
    expect(readFileSync(`${dir}/run.sh`, "utf8")).toBe("echo 1\necho 2\n");
  });

  test("a streamed source of many chunks arrives byte for byte", async () => {
    const big = new Uint8Array(5 * 1024 * 1024 + 7).map((_, i) => (i * 7919) % 251);
    const chunks = async function* () {
      for (let i = 0; i < big.length; i += 100_003) yield big.subarray(i, i + 100_003);
    };
    const seen: number[] = [];
    await files.write(
      "big.bin",
      { size: big.length, stream: chunks },
      {
        onProgress: (n) => seen.push(n),
      },
    );
    expect(Buffer.compare(readFileSync(`${dir}/big.bin`), Buffer.from(big))).toBe(0);
    expect(seen.at(-1)).toBe(big.length);
    const page = await files.read("big.bin", 1_000_000, 10);
    expect(page.size).toBe(big.length);
    expect([...page.data]).toEqual([...big.subarray(1_000_000, 1_000_010)]);
  });

  test("over maxBytes is refused before anything is written", async () => {
    const err = await files.write("nope.txt", bytes("123456"), { maxBytes: 5 }).catch((e) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe("FILE_TOO_LARGE");
    expect((err as ClusterError).message).toContain(
      "6 bytes would be written, over the limit of 5",
    );
    expect(existsSync(`${dir}/nope.txt`)).toBe(false);
  });

  test("a write that fails half way leaves the old file and no temp file", async () => {
    writeFileSync(`${dir}/keep.txt`, "old\n");
    const real = createLocalFileOps(dir);
    let calls = 0;
    // The real adapter, with the disk "filling up" after the first chunk.
    const failing: FileOps = {
      ...real,
      write: (h, data, at) =>
        ++calls > 1
          ? Promise.reject(new FileOpError("no_space", "ENOSPC"))
          : real.write(h, data, at),
    };
    const t = createFileTransfer("here", failing);
    const err = await t.write("keep.txt", new Uint8Array(3 * 1_048_576)).catch((e) => e);
    expect((err as ClusterError).code).toBe("FILE_FAILED");
    expect((err as ClusterError).message).toContain("no space left on the device");
    expect(readFileSync(`${dir}/keep.txt`, "utf8")).toBe("old\n");
    expect(readdirSync(dir).filter((f) => f.includes("cluster-exec"))).toEqual([]);
  });

  test("a directory in the way, and reading what is not there, are named", async () => {
    const isDir = await files.write("deep", bytes("x")).catch((e) => e);
    expect((isDir as ClusterError).message).toBe(`here:${dir}/deep: a directory is there`);
    const missing = await files.read("missing.txt", 0, 10).catch((e) => e);
    expect((missing as ClusterError).code).toBe("FILE_NOT_FOUND");
  });
});
