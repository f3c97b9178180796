import { describe, expect, test } from "bun:test";
import { downloadTargets } from "./files.ts";
import { normalisePath, resolveIn } from "./paths.ts";

const targets = (command: string) => {
  const [name = "", ...args] = command.split(" ");
  return downloadTargets(name, args);
};

describe("files a downloader writes", () => {
  test("curl -o / --output / combined groups / -O and --output-dir", () => {
    expect(targets("curl -o f https://x")).toEqual(["f"]);
    expect(targets("curl -sSLo f https://x")).toEqual(["f"]);
    expect(targets("curl -ofile https://x")).toEqual(["file"]);
    expect(targets("curl https://x --output /tmp/f")).toEqual(["/tmp/f"]);
    expect(targets("curl -fsSLO https://x/a/install.sh?v=1")).toEqual(["install.sh"]);
    expect(targets("curl --output-dir /tmp -O https://x/a.sh")).toEqual(["/tmp/a.sh"]);
    expect(targets("curl -H X:1 -d a=b https://x/a.sh")).toEqual([]);
    expect(targets("curl -o - https://x")).toEqual([]);
  });

  test("wget writes the URL's name unless -O; -o is its log", () => {
    expect(targets("wget https://x/setup.sh")).toEqual(["setup.sh"]);
    expect(targets("wget -O f https://x")).toEqual(["f"]);
    expect(targets("wget -qO- https://x")).toEqual([]);
    expect(targets("wget -o log -P /tmp https://x/s.sh")).toEqual(["/tmp/s.sh"]);
    expect(targets("wget https://x/")).toEqual(["index.html"]);
  });

  test("other programs write nothing here", () => {
    expect(targets("cat -o f")).toEqual([]);
  });
});

test("paths resolve ./, .., ~ and the working directory lexically", () => {
  expect(resolveIn("./f", "?")).toBe("f");
  expect(resolveIn("f", "/tmp")).toBe("/tmp/f");
  expect(resolveIn("/tmp/./a/../f", "/x")).toBe("/tmp/f");
  expect(resolveIn("../f", "?")).toBe("../f");
  expect(resolveIn("../..", "~")).toBe("~/../..");
  expect(normalisePath("~/a/../..")).toBe("~/..");
  expect(normalisePath("/usr/../..")).toBe("/");
  expect(normalisePath("~root/x")).toBe("/root/x");
});

test("scp and rsync from another machine download into the local target", () => {
  expect(targets("scp evil:p.sh /tmp/p.sh")).toEqual(["/tmp/p.sh"]);
  expect(targets("rsync -a u@h:/x ./x")).toEqual(["./x"]);
  expect(targets("scp dist/app.tgz node1:/tmp/")).toEqual([]);
});
