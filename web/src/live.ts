// Live updates over server-sent events (GET /api/v1/stream?token=...; EventSource cannot
// send an Authorization header). The server sends `event: event|finding|incident` with the
// record as JSON and its cursor as the message id, and `event: complete` with
// `{"complete_to": time}` whenever live fusion's events become complete to a later time;
// `event: provisional` with an event located and not released yet (the event released
// later has the same id and replaces it), and `event: withdrawn` with `{id, time, reason}`
// when one goes unreleased (revised by fusion's later stages, located otherwise by a
// restarted worker, or passed by the release front).

import { API, has } from "./api";
import { getToken } from "./session";

export type LiveKind =
  | "event"
  | "provisional"
  | "withdrawn"
  | "finding"
  | "incident"
  | "complete";
type Listener = (data: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
export type LiveStatus = "unavailable" | "connecting" | "live" | "reconnecting";

const listeners: Record<LiveKind, Set<Listener>> = {
  event: new Set(),
  provisional: new Set(),
  withdrawn: new Set(),
  finding: new Set(),
  incident: new Set(),
  complete: new Set(),
};
const statusListeners = new Set<(s: LiveStatus) => void>();
let source: EventSource | null = null;
let retryMs = 1000;
let retryTimer = 0;
let status: LiveStatus = "unavailable";

function setStatus(s: LiveStatus): void {
  status = s;
  statusListeners.forEach((fn) => fn(s));
}

export function onStatus(fn: (s: LiveStatus) => void): () => void {
  statusListeners.add(fn);
  fn(status);
  return () => statusListeners.delete(fn);
}

/** Listen for one kind of live record; returns the function that stops listening. */
export function subscribe(kind: LiveKind, fn: Listener): () => void {
  listeners[kind].add(fn);
  return () => listeners[kind].delete(fn);
}

let lastId = ""; // the server's cursor (microseconds) of the last message received

/**
 * Open the stream. On any error we close it and reconnect ourselves (after 1 s, doubling to
 * a minute), asking for what was stored since the last message (`since=`), so nothing that
 * arrived while the connection was down is missed.
 */
export function startLive(): void {
  stopLive();
  if (!has(`${API}/stream`)) {
    setStatus("unavailable");
    return;
  }
  const token = getToken();
  const params = new URLSearchParams();
  if (token) params.set("token", token);
  if (lastId) params.set("since", lastId);
  setStatus(lastId ? "reconnecting" : "connecting");
  const es = new EventSource(`${API}/stream?${params}`);
  source = es;
  es.onopen = () => {
    retryMs = 1000;
    setStatus("live");
  };
  es.onerror = () => {
    es.close();
    if (source !== es) return;
    source = null;
    setStatus("reconnecting");
    retryTimer = window.setTimeout(startLive, retryMs);
    retryMs = Math.min(retryMs * 2, 60_000);
  };
  for (const kind of Object.keys(listeners) as LiveKind[]) {
    es.addEventListener(kind, (msg) => {
      const message = msg as MessageEvent;
      if (/^\d+$/.test(message.lastEventId)) lastId = message.lastEventId;
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      listeners[kind].forEach((fn) => fn(data));
    });
  }
}

export function stopLive(): void {
  window.clearTimeout(retryTimer);
  const es = source;
  source = null;
  es?.close();
  setStatus("unavailable");
}

/** Forget the stream's position (a different principal signs in). */
export function resetLive(): void {
  lastId = "";
}
