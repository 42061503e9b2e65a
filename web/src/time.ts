// Times: the API speaks RFC 3339 UTC; the workspace shows UTC too, so that analysts in
// different capitals read the same clock.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export function parseTime(text: string | null | undefined): number | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** RFC 3339 UTC with whole seconds, as the API's query parameters accept. */
export function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** "2026-03-02 14:05 UTC" */
export function showTime(ms: number | null, seconds = false): string {
  if (ms === null) return "–";
  const s = new Date(ms).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, seconds ? 19 : 16)} UTC`;
}

export function showDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** "3 h 20 min", "2 d 4 h", "45 s": a duration for people. */
export function showDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const hours = Math.floor(min / 60);
  if (hours < 48) return min % 60 ? `${hours} h ${min % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}
