import { describe, expect, test } from "bun:test";
import { fakeNode } from "../../test/fixtures/routing.ts";
import { ClusterError } from "../errors.ts";
import {
  describeRequirement,
  nodeFacts,
  resolveRequirements,
  unmetReason,
} from "./requirements.ts";

describe("resolveRequirements", () => {
  test("explicit requirements are hard, with aliases resolved and capabilities lower-cased", () => {
    expect(
      resolveRequirements(
        {
          requires_os: "Darwin",
          requires_arch: "amd64",
          requires_capabilities: ["Docker", "docker"],
        },
        [],
      ),
    ).toEqual([
      { kind: "os", value: "macos", source: "explicit", hard: true },
      { kind: "arch", value: "x86_64", source: "explicit", hard: true },
      { kind: "capability", value: "docker", source: "explicit", hard: true },
    ]);
    expect(resolveRequirements({ requires_arch: "aarch64" }, [])[0]?.value).toBe("arm64");
  });

  test("inferred requirements are hard alone, soft beside explicit ones, and not repeated", () => {
    const docker = { kind: "capability" as const, value: "docker", because: "docker" };
    expect(resolveRequirements(undefined, [docker])[0]?.hard).toBe(true);
    expect(resolveRequirements({ requires_os: "linux" }, [docker])[1]).toEqual({
      ...docker,
      source: "inferred",
      hard: false,
    });
    expect(resolveRequirements({ requires_capabilities: ["docker"] }, [docker])).toHaveLength(1);
  });

  test("bad values are usage errors that name the key, the value and what was expected", () => {
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(ClusterError);
        expect((err as ClusterError).code).toBe("USAGE");
        return (err as ClusterError).message;
      }
      throw new Error("no error");
    };
    expect(bad(() => resolveRequirements({ requires_os: "windows" }, []))).toBe(
      'requires_os: got "windows", expected "linux" or "macos" (alias "darwin")',
    );
    expect(bad(() => resolveRequirements({ requires_arch: "mips" }, []))).toContain(
      'requires_arch: got "mips"',
    );
    expect(bad(() => resolveRequirements({ requires_capabilities: [" "] }, []))).toContain(
      "requires_capabilities",
    );
  });
});

describe("matching a node", () => {
  const node = fakeNode({ name: "n", os: "linux", arch: "x86_64", capabilities: ["Docker"] });
  const facts = nodeFacts(node.config, node.sample);
  const req = (kind: "os" | "arch" | "capability", value: string) => ({
    kind,
    value,
    source: "explicit" as const,
    hard: true,
  });

  test("met requirements give no reason; unmet ones say what is there and what is needed", () => {
    expect(unmetReason(facts, req("os", "linux"))).toBeUndefined();
    expect(unmetReason(facts, req("capability", "docker"))).toBeUndefined();
    expect(unmetReason(facts, req("os", "macos"))).toBe("os is linux, needs macos");
    expect(unmetReason(facts, req("arch", "arm64"))).toBe("arch is x86_64, needs arm64");
    expect(unmetReason(facts, req("capability", "gpu"))).toBe("lacks capability gpu");
  });

  test("os and arch come from the sample when the config does not say", () => {
    const bare = fakeNode({ name: "b", os: "macos", arch: "arm64" });
    bare.config.os = undefined;
    expect(nodeFacts(bare.config, bare.sample).os).toBe("macos");
    expect(unmetReason(nodeFacts(bare.config), req("os", "macos"))).toBe("os unknown, needs macos");
  });

  test("descriptions say where an inferred requirement came from", () => {
    expect(
      describeRequirement({
        kind: "capability",
        value: "docker",
        source: "inferred",
        hard: true,
        because: "docker",
      }),
    ).toBe("capability docker (inferred from docker)");
    expect(describeRequirement(req("os", "macos"))).toBe("os=macos");
  });
});
