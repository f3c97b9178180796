// The page's browser files, embedded in the binary as text and served as they are: plain ES
// modules the browser links by itself (no bundler), and one stylesheet.
import events from "./ui/events.mjs" with { type: "text" };
import format from "./ui/format.mjs" with { type: "text" };
import main from "./ui/main.mjs" with { type: "text" };
import nodes from "./ui/nodes.mjs" with { type: "text" };
import sparkline from "./ui/sparkline.mjs" with { type: "text" };
import style from "./ui/style.css" with { type: "text" };
import tasks from "./ui/tasks.mjs" with { type: "text" };

const JS = "text/javascript; charset=utf-8";

const ASSETS: Record<string, { type: string; body: string }> = {
  "events.mjs": { type: JS, body: events },
  "format.mjs": { type: JS, body: format },
  "main.mjs": { type: JS, body: main },
  "nodes.mjs": { type: JS, body: nodes },
  "sparkline.mjs": { type: JS, body: sparkline },
  "tasks.mjs": { type: JS, body: tasks },
  "style.css": { type: "text/css; charset=utf-8", body: style },
};

export function uiAsset(name: string): { type: string; body: string } | undefined {
  return Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
}
