// The page's entry: the token (from the URL fragment serve printed, kept in sessionStorage, sent
// as a header), the event stream, and the dispatch of its events. Without an accepted token the
// page shows only the prompt and asks the server for nothing else.
import { readEvents } from "./events.mjs";
import { setServerTime } from "./format.mjs";
import {
  clearNodes,
  renderNodes,
  setHistory,
  setHistoryWindow,
  setRunningTasks,
  tickNodes,
} from "./nodes.mjs";
import {
  cancelMessage,
  clearTasks,
  renderAudit,
  renderOutput,
  renderRecent,
  renderRunning,
  tickTasks,
} from "./tasks.mjs";

const KEY = "cluster-exec-token";
const $ = (id) => document.getElementById(id);
const DATA = ["nodes", "running", "recent", "audit"];
let stream; // the AbortController of the open stream
let retryTimer;
let failures = 0;
let version = "";

function tokenFromFragment() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
  // Out of the address bar, history and bookmarks.
  history.replaceState(null, "", location.pathname + location.search);
}

/** The connection's state, in a polite live region: it changes only when the state does. */
function status(text) {
  if ($("connection").textContent !== text) $("connection").textContent = text;
  if (!text.startsWith("Live")) $("updated").textContent = "";
}

function showLogin(message) {
  for (const id of DATA) $(id).hidden = true;
  clearNodes($("node-list"));
  clearTasks($("task-list"), $("recent-table").tBodies[0], $("audit-list"));
  $("login").hidden = false;
  $("forget").hidden = true;
  $("login-message").textContent = message ?? "";
  status("Not connected: a token is needed.");
}

function showData() {
  $("login").hidden = true;
  $("forget").hidden = false;
  for (const id of DATA) $(id).hidden = false;
}

function handle({ event, data }) {
  const d = JSON.parse(data);
  switch (event) {
    case "hello":
      version = d.version;
      setServerTime(d.server_time);
      setHistoryWindow(d.history_ms);
      break;
    case "history":
      setHistory(d);
      break;
    case "nodes":
      renderNodes(d, $("node-list"));
      status(`Live (cluster-exec ${version}).`);
      $("updated").textContent = `Last update ${new Date().toLocaleTimeString()}.`;
      break;
    case "tasks":
      $("running-none").hidden = d.running.length > 0;
      renderRunning(d.running, $("task-list"), cancel);
      setRunningTasks(d.running);
      $("recent-none").hidden = d.recent.length > 0;
      $("recent-runs").hidden = d.recent.length === 0;
      renderRecent(d.recent, $("recent-table").tBodies[0]);
      break;
    case "output":
      renderOutput(d);
      break;
    case "audit":
      $("audit-none").hidden = d.length > 0;
      renderAudit(d, $("audit-list"));
      break;
  }
}

async function connect() {
  clearTimeout(retryTimer);
  stream?.abort();
  const token = sessionStorage.getItem(KEY);
  if (!token) return showLogin();
  const ctrl = new AbortController();
  stream = ctrl;
  status("Connecting…");
  let res;
  try {
    res = await fetch("/api/events", {
      headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
      cache: "no-store",
      signal: ctrl.signal,
    });
  } catch {
    return retry(ctrl, "cannot reach the server");
  }
  if (res.status === 401) {
    sessionStorage.removeItem(KEY);
    return showLogin("That token was refused.");
  }
  if (!res.ok || !res.body) return retry(ctrl, `the server answered ${res.status}`);
  failures = 0;
  showData();
  try {
    await readEvents(res.body, handle);
  } catch {
    // broken stream: reconnect below
  }
  retry(ctrl, "the connection closed");
}

/** Reconnects after 1, 2, 4 … 10 s, keeping what is shown (marked as not live). */
function retry(ctrl, why) {
  if (ctrl.signal.aborted) return; // replaced by a newer connection, or the token forgotten
  const s = Math.min(10, 2 ** failures++);
  status(`Not live (${why}); reconnecting in ${s} s. What is shown may be out of date.`);
  retryTimer = setTimeout(connect, s * 1000);
}

async function cancel(taskId, button) {
  button.disabled = true;
  button.textContent = "Canceling…";
  try {
    const res = await fetch(`/api/tasks/${encodeURIComponent(taskId)}/cancel`, {
      method: "POST",
      headers: { authorization: `Bearer ${sessionStorage.getItem(KEY) ?? ""}` },
    });
    const text = await res.text();
    if (res.ok) cancelMessage(taskId, `Now ${JSON.parse(text).state}.`);
    else cancelMessage(taskId, `Cancel refused (${res.status}): ${text}`);
  } catch (err) {
    cancelMessage(taskId, `Cancel failed: ${err.message}`);
  } finally {
    button.disabled = false;
    button.textContent = "Cancel";
  }
}

function start() {
  tokenFromFragment();
  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("token");
    sessionStorage.setItem(KEY, input.value.trim());
    input.value = "";
    connect();
  });
  $("forget").addEventListener("click", () => {
    stream?.abort();
    clearTimeout(retryTimer);
    sessionStorage.removeItem(KEY);
    showLogin("The token is forgotten in this tab.");
  });
  // A local clock for ages and elapsed times; the data itself only comes as events.
  setInterval(() => {
    tickNodes();
    tickTasks();
  }, 1000);
  connect();
}

start();
