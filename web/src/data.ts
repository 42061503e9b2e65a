// What several views share: the agreement in force (layers, sides, sectors), colours, and
// where in time the data lies.

import { API, Json, getJson, getOptional, has, query } from "./api";
import { LonLat, inPolygon } from "./geodesy";
import { DAY_MS, HOUR_MS, iso, parseTime } from "./time";

export interface Side {
  code: string;
  name: string;
}

export interface Agreement {
  id: string;
  version: number;
  title: string;
  sides: Side[];
  geojson: { type: "FeatureCollection"; features: Json[] };
  sectors: Json[];
}

let cached: Promise<Agreement | null> | null = null;

/** The latest agreement (most recent effective_from), with its GeoJSON. Cached. */
export function loadAgreement(): Promise<Agreement | null> {
  cached ??= fetchAgreement().catch((err) => {
    cached = null;
    throw err;
  });
  return cached;
}

async function fetchAgreement(): Promise<Agreement | null> {
  const list = await getJson<{ items: Json[] }>(`${API}/agreements`);
  if (!list.items.length) return null;
  const latest = [...list.items].sort((a, b) =>
    String(a.effective_from ?? "").localeCompare(String(b.effective_from ?? "")) ||
    Number(a.version ?? 0) - Number(b.version ?? 0),
  )[list.items.length - 1];
  const doc = await getJson<Json>(
    `${API}/agreements/${encodeURIComponent(latest.id)}${query({ format: "geojson" })}`,
  );
  const meta = doc.agreement ?? latest;
  const features: Json[] = doc.features ?? [];
  return {
    id: String(latest.id),
    version: Number(meta.version ?? latest.version),
    title: String(meta.title ?? latest.title ?? latest.id),
    sides: (meta.sides ?? []).map((s: Json) => ({ code: String(s.code), name: String(s.name ?? s.code) })),
    geojson: { type: "FeatureCollection", features },
    sectors: features.filter((f) => f.properties?.role === "sector"),
  };
}

/** The name of the reporting sector holding a point, or null. */
export function sectorAt(agreement: Agreement | null, lon: number, lat: number): string | null {
  if (!agreement) return null;
  const pt: LonLat = [lon, lat];
  const hit = agreement.sectors.find((f) => f.geometry && inPolygon(pt, f.geometry));
  return hit ? String(hit.properties?.name ?? hit.properties?.label ?? "sector") : null;
}

// Colour-blind-safe pairs (ColorBrewer RdBu ends) for the parties; grey for the rest.
const SIDE_COLOURS = ["#2166ac", "#b2182b", "#1b7837", "#762a83"];
export const NO_SIDE = "#5a5a5a";

export function sideColour(agreement: Agreement | null, code: string | null | undefined): string {
  const i = agreement?.sides.findIndex((s) => s.code === code) ?? -1;
  return i >= 0 ? SIDE_COLOURS[i % SIDE_COLOURS.length] : NO_SIDE;
}

export function sideName(agreement: Agreement | null, code: string | null | undefined): string {
  if (!code) return "not attributed";
  const side = agreement?.sides.find((s) => s.code === code);
  return side ? `${side.code} (${side.name})` : code;
}

export const STATES = [
  "received",
  "triaged",
  "under_investigation",
  "ready_for_review",
  "determined",
  "published",
  "archived",
  "duplicate",
] as const;

// Incident states: a sequential palette that avoids the parties' red and blue, so the
// ring (responsible side) and the fill (state) of an incident never blend.
export const STATE_COLOURS: Record<string, string> = {
  received: "#ffd92f",
  triaged: "#fc8d62",
  under_investigation: "#e78ac3",
  ready_for_review: "#a6d854",
  determined: "#66c2a5",
  published: "#1b9e77",
  archived: "#8c8c8c",
  duplicate: "#d9d9d9",
};

export function stateLabel(state: string): string {
  return state.replaceAll("_", " ");
}

/** Whether any `kind` record is visible at or after `fromMs` (one tiny request). */
async function anyFrom(kind: string, fromMs: number): Promise<boolean> {
  try {
    const page = await getOptional<{ items: Json[] }>(
      `${API}/${kind}${query({ from: iso(fromMs), limit: 1 })}`,
    );
    return !!page && page.items.length > 0;
  } catch {
    return false;
  }
}

/**
 * The time of the latest visible record of `kind`: the lists are ordered oldest first, so
 * search backwards from now with doubling steps for a `from` that still finds something,
 * bisect between it and the first `from` that finds nothing down to an hour, and read that
 * last hour. About 30 small requests at most.
 */
const latestCache = new Map<string, { at: number; value: Promise<number | null> }>();

export function latestTime(kind: string, nowMs = Date.now()): Promise<number | null> {
  const hit = latestCache.get(kind);
  if (hit && nowMs - hit.at < 60_000) return hit.value;
  const value = searchLatest(kind, nowMs);
  latestCache.set(kind, { at: nowMs, value });
  return value;
}

async function searchLatest(kind: string, nowMs: number): Promise<number | null> {
  if (!has(`${API}/${kind}`)) return null;
  let hi = nowMs + DAY_MS;
  if (await anyFrom(kind, hi)) return hi; // data in the future: start from tomorrow
  let lo = nowMs - DAY_MS;
  let span = DAY_MS;
  while (!(await anyFrom(kind, lo))) {
    hi = lo;
    span *= 2;
    if (span > 8192 * DAY_MS) return null;
    lo = nowMs - span;
  }
  while (hi - lo > HOUR_MS) {
    const mid = lo + (hi - lo) / 2;
    if (await anyFrom(kind, mid)) lo = mid;
    else hi = mid;
  }
  try {
    const page = await getJson<{ items: Json[] }>(`${API}/${kind}${query({ from: iso(lo), to: iso(hi), limit: 1000 })}`);
    const times = page.items.map(itemTime).filter((t): t is number => t !== null);
    return times.length ? Math.max(...times) : lo;
  } catch {
    return lo;
  }
}

function itemTime(item: Json): number | null {
  const p = item.type === "Feature" ? item.properties ?? {} : item;
  return parseTime(p.time ?? p.time_to ?? p.time_from ?? null);
}
