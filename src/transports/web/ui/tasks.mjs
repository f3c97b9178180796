// Running tasks (with their output as it arrives and a cancel button), recent runs, audit tail.
import { clock, duration, el, fact, label, serverNow, stateBadge } from "./format.mjs";

/** task id → { card, parts, task } */
const running = new Map();
/** Output that arrived before its task's card: task id → { stdout, stderr } */
const early = new Map();

export function clearTasks(list, recentBody, auditList) {
  running.clear();
  early.clear();
  list.replaceChildren();
  recentBody.replaceChildren();
  auditList.replaceChildren();
}

export function renderRunning(tasks, list, onCancel) {
  const seen = new Set();
  tasks.forEach((task, i) => {
    seen.add(task.task_id);
    let entry = running.get(task.task_id);
    if (!entry) {
      entry = newCard(task, onCancel);
      running.set(task.task_id, entry);
      const out = early.get(task.task_id);
      if (out) renderOutput(out);
    }
    entry.task = task;
    if (list.children[i] !== entry.card) list.insertBefore(entry.card, list.children[i] ?? null);
    const p = entry.parts;
    p.state.replaceChildren(stateBadge(task.state, "state"));
    p.node.textContent = task.node || "not chosen yet";
    p.route.textContent = task.route_reason || "–";
    p.cancel.hidden = !task.cancelable;
    p.foreground.hidden = task.cancelable;
    p.noOutput.hidden = task.has_output;
  });
  for (const [id, entry] of running)
    if (!seen.has(id)) {
      entry.card.remove();
      running.delete(id);
    }
  for (const id of early.keys()) if (!seen.has(id)) early.delete(id);
  tickTasks();
}

export function renderOutput(out) {
  const entry = running.get(out.task_id);
  if (!entry) {
    early.set(out.task_id, out);
    return;
  }
  early.delete(out.task_id);
  for (const stream of ["stdout", "stderr"]) {
    const pre = entry.parts[stream];
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = out[stream];
    pre.hidden = stream === "stderr" && out.stderr === "";
    if (stream === "stderr") entry.parts.stderrLabel.hidden = pre.hidden;
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }
}

/** Elapsed times move on between events. */
export function tickTasks() {
  const now = serverNow();
  for (const { task, parts } of running.values())
    parts.elapsed.textContent = task.started_at
      ? duration(now - task.started_at)
      : `queued ${duration(now - task.created_at)}`;
}

export function cancelMessage(taskId, text) {
  const entry = running.get(taskId);
  if (entry) entry.parts.message.textContent = text;
}

function newCard(task, onCancel) {
  const safe = task.task_id.replace(/[^A-Za-z0-9_-]/g, "_");
  const title = el("h3", { id: `task-${safe}-title` }, el("code", {}, task.command));
  const card = el(
    "article",
    { class: "card task", "data-task": task.task_id, "aria-labelledby": title.id },
    title,
  );
  const facts = el("dl", { class: "facts" });
  const parts = {
    state: fact(facts, "State"),
    node: fact(facts, "Node", "node"),
    elapsed: fact(facts, "Elapsed", "elapsed"),
    route: fact(facts, "Why this node", "route_reason"),
  };
  fact(facts, "Requester").textContent = task.requester;
  fact(facts, "Task").append(el("code", {}, task.task_id));
  parts.cancel = el(
    "button",
    { type: "button", "data-action": "cancel", "aria-describedby": title.id },
    "Cancel",
  );
  parts.cancel.addEventListener("click", () => onCancel(task.task_id, parts.cancel));
  parts.foreground = el(
    "p",
    { class: "hint" },
    "A foreground run: cancel it where it was started.",
  );
  parts.message = el("p", { role: "status", class: "hint" });
  parts.stdout = el("pre", {
    class: "tail",
    "data-field": "stdout",
    tabindex: "0",
    "aria-label": "Standard output, last lines",
  });
  parts.stderr = el("pre", {
    class: "tail stderr",
    "data-field": "stderr",
    tabindex: "0",
    "aria-label": "Standard error, last lines",
    hidden: "",
  });
  parts.noOutput = el("p", { class: "hint" }, "Its output goes to the caller that started it.");
  parts.stderrLabel = el("p", { class: "hint", hidden: "" }, "Standard error:");
  card.append(
    facts,
    parts.cancel,
    parts.foreground,
    parts.message,
    el("h4", {}, "Output (last lines)"),
    parts.noOutput,
    parts.stdout,
    parts.stderrLabel,
    parts.stderr,
  );
  return { card, parts, task };
}

const COLUMNS = ["State", "Exit", "Duration", "Node", "Requester", "Started", "Command"];

export function renderRecent(tasks, body) {
  const cell = (i, attrs, ...children) =>
    el("td", { "data-label": COLUMNS[i], ...attrs }, ...children);
  body.replaceChildren(
    ...tasks.map((t) =>
      el(
        "tr",
        { "data-task": t.task_id },
        cell(0, {}, stateBadge(t.state, "state")),
        cell(1, { "data-field": "exit" }, exitText(t)),
        cell(2, {}, duration(t.duration_ms)),
        cell(3, { "data-field": "node" }, t.node || "–"),
        cell(4, {}, t.requester),
        cell(5, {}, clock(t.started_at ?? t.created_at)),
        cell(
          6,
          {},
          el("code", {}, t.command),
          t.error ? el("div", { class: "hint" }, t.error) : null,
        ),
      ),
    ),
  );
}

function exitText(t) {
  if (t.exit_code !== null) return String(t.exit_code);
  return t.signal ?? "–";
}

export function renderAudit(lines, list) {
  list.replaceChildren(
    ...lines.map((r) =>
      el("li", {}, el("time", { datetime: r.time }, clock(Date.parse(r.time))), " ", auditText(r)),
    ),
  );
}

function auditText(r) {
  if (r.event === "file") {
    const what = `${r.op ?? "?"} ${r.node ?? "?"}:${r.path ?? "?"} by ${r.requester ?? "?"}`;
    const how = [label(String(r.outcome ?? "?"))];
    if (r.bytes !== null && r.bytes !== undefined) how.push(`${r.bytes} bytes`);
    if (r.rule) how.push(`rule ${r.rule}`);
    if (r.error) how.push(String(r.error));
    return el("span", {}, `${what}: ${how.join(", ")}`);
  }
  const who = `${r.event ?? "?"} ${r.task_id ?? ""} by ${r.requester ?? "?"}${r.node ? ` on ${r.node}` : ""}`;
  if (r.event === "start")
    return el("span", {}, `${who}: `, el("code", {}, String(r.command ?? "")));
  const end = [label(String(r.state ?? "?"))];
  if (r.exit_code !== null && r.exit_code !== undefined) end.push(`exit ${r.exit_code}`);
  if (r.signal) end.push(String(r.signal));
  if (r.duration_ms !== null && r.duration_ms !== undefined) end.push(duration(r.duration_ms));
  if (r.error) end.push(String(r.error));
  return el("span", {}, `${who}: ${end.join(", ")}`);
}
