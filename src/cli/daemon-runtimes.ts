// The background process's runtimes: one per distinct configuration (file and environment as the
// front saw them), each with its pool, agents, sampler and runs in flight — shared by every front
// that loads the same configuration, so placement sees all of their work and nodes are sampled once.
import { statSync } from "node:fs";
import { type Config, loadConfig } from "../config/load.ts";
import { openTasksFor } from "../run/open-tasks.ts";
import { createRuntime, type Runtime } from "../run/runtime.ts";
import type { Tasks } from "../tasks/open.ts";

export interface Warm {
  config: Config;
  rt: Runtime;
  tasks: Tasks;
}

export class Runtimes {
  /** By the configuration's identity (its effective value). */
  private readonly byConfig = new Map<string, Warm>();
  /** What a (path, environment, file mtime) loaded to, so a request costs no schema check. */
  private readonly loaded = new Map<string, Config>();

  /** The configuration a front asks for (throws CONFIG_INVALID like in-process). */
  config(configPath: string | undefined, env: Record<string, string>): Config {
    const file = configPath ?? env.CLUSTER_CONFIG;
    let mtime = 0;
    try {
      mtime = file ? statSync(file).mtimeMs : 0;
    } catch {
      // missing: loadConfig reports it
    }
    const key = JSON.stringify([configPath, mtime, env]);
    let config = this.loaded.get(key);
    if (!config) {
      config = loadConfig({ configPath, env });
      if (this.loaded.size > 64) this.loaded.clear();
      this.loaded.set(key, config);
    }
    return config;
  }

  /** The warm runtime for this configuration (started on first use: sampling, agents). */
  warm(config: Config): Warm {
    // The agent socket is not part of it: a terminal and an agent's MCP client of the same user
    // share the warm pool whatever SSH_AUTH_SOCK each has (as they would share a ControlMaster).
    const { ssh_auth_sock: _agent, ...settings } = config.settings;
    const key = JSON.stringify({ s: settings, n: config.nodes, src: config.source });
    let w = this.byConfig.get(key);
    if (!w) {
      const tasks = openTasksFor(config);
      const rt = createRuntime(config, {
        sampleInBackground: true,
        recorder: tasks.recorder,
        agents: true,
      });
      w = { config, rt, tasks };
      this.byConfig.set(key, w);
    }
    return w;
  }

  /** Runs in flight over every runtime (the process is not idle while any is). */
  busy(): number {
    let n = 0;
    for (const w of this.byConfig.values())
      for (const c of Object.values(w.rt.inFlight.snapshot())) n += c;
    return n;
  }

  /** Stops every run (their groups killed on their nodes), then the connections. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.byConfig.values()].map(async (w) => {
        await w.rt.close();
        await w.tasks.recorder.settle?.();
      }),
    );
    this.byConfig.clear();
  }
}
