// The map: the agreement's layers, sensors by status at the selected time, fused events
// with their 95 % error ellipses, launch→impact arrows and dashed lines from a salvo's
// unpaired impacts to its first launch, live fusion's provisional events (located, their
// pairs not settled yet) as hollow markers until their release replaces them, and incidents by state and attribution; a time slider, filters and live updates. No text is drawn on the map (that
// would need a glyph server): names appear in the side panel when a feature is chosen.

import maplibregl from "maplibre-gl";
import type { GeoJSONSource, LayerSpecification, MapMouseEvent, StyleSpecification } from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";

import { API, ApiError, Json, getJson, has, listAll, query } from "./api";
import {
  Agreement,
  NO_SIDE,
  STATES,
  STATE_COLOURS,
  loadAgreement,
  latestTime,
  sectorAt,
  sideColour,
  sideName,
  stateLabel,
} from "./data";
import { field, h, select, setChildren } from "./dom";
import { LonLat, arrowLines, circleRing, ellipseRing } from "./geodesy";
import { subscribe } from "./live";
import { DAY_MS, HOUR_MS, iso, parseTime, showDay, showTime, startOfDay } from "./time";

const STEP_MS = 15 * 60_000;
const PHASES = ["launch", "impact", "unknown"] as const;
export const PHASE_COLOURS: Record<string, string> = {
  launch: "#d95f02",
  impact: "#7b3294",
  unknown: "#5a5a5a",
};
export const SENSOR_COLOURS: Record<string, string> = {
  operational: "#1a9641",
  degraded: "#e6a100",
  non_operational: "#d7191c",
  unknown: "#8c8c8c",
};
const WINDOWS: [string, string][] = [
  ["0", "whole period"],
  [String(HOUR_MS), "1 hour"],
  [String(3 * HOUR_MS), "3 hours"],
  [String(6 * HOUR_MS), "6 hours"],
  [String(DAY_MS), "24 hours"],
];

interface EventRec {
  feature: Json;
  id: string;
  time: number;
  phase: string;
  side: string | null;
  sector: string | null;
  ellipse: LonLat[] | null;
}

interface State {
  agreement: Agreement | null;
  from: number;
  to: number;
  t: number;
  windowMs: number;
  phases: Set<string>;
  side: string;
  sector: string;
  incidentState: string;
  events: Map<string, EventRec>;
  provisional: Map<string, EventRec>; // located by live fusion, not released yet
  incidents: Map<string, Json>;
  sensors: Json[];
  notes: string[];
  completeTo: number | null; // live fusion's events are complete to this time (ms)
}

type Cleanup = () => void;

declare global {
  interface Window {
    truceline?: Record<string, unknown>;
  }
}

export function mountMap(root: HTMLElement, params: URLSearchParams): Cleanup {
  const state: State = {
    agreement: null,
    from: 0,
    to: 0,
    t: 0,
    windowMs: 0,
    phases: new Set(PHASES),
    side: "",
    sector: "",
    incidentState: "",
    events: new Map(),
    provisional: new Map(),
    incidents: new Map(),
    sensors: [],
    notes: [],
    completeTo: null,
  };
  const ui = buildPanel();
  const mapEl = h("div", { id: "map", class: "map", role: "region", "aria-label": "Map of the agreement area" });
  setChildren(root, h("div", { class: "map-view" }, ui.panel, mapEl));
  const cleanups: Cleanup[] = [];
  let map: maplibregl.Map | null = null;
  let disposed = false;
  let sensorTimer = 0;
  let sensorRequest = 0;

  const boot = async (): Promise<void> => {
    const [config, agreement] = await Promise.all([
      getJson<{ basemap_url?: string }>("/config.json").catch(() => ({ basemap_url: "" })),
      loadAgreement().catch(() => null),
    ]);
    if (disposed) return;
    state.agreement = agreement;
    fillFilterOptions();
    map = new maplibregl.Map({
      container: mapEl,
      style: baseStyle(config.basemap_url ?? ""),
      center: [37.8, 48.2],
      zoom: 6,
      attributionControl: config.basemap_url ? {} : false,
      cooperativeGestures: false,
    });
    window.truceline = { ...(window.truceline ?? {}), map };
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    await new Promise<void>((resolve) => map!.once("load", () => resolve()));
    if (disposed) return;
    addLayers(map, agreement);
    setAgreementData(map, agreement);
    fitToAgreement(map, agreement);
    wireClicks(map);
    await choosePeriod();
    await loadPeriod();
  };

  // --- period and data -----------------------------------------------------------------

  async function choosePeriod(): Promise<void> {
    const day = parseTime(params.get("day") ?? "");
    const days = Math.min(Math.max(Number(params.get("days") ?? "1") || 1, 1), 31);
    let start = day !== null ? startOfDay(day) : null;
    if (start === null) {
      ui.status.textContent = "Finding the latest data…";
      const latest = (await latestTime("events")) ?? (await latestTime("incidents"));
      start = startOfDay(latest ?? Date.now());
    }
    state.from = start;
    state.to = start + days * DAY_MS;
    ui.day.value = showDay(state.from);
    ui.days.value = String(days);
  }

  async function loadPeriod(): Promise<void> {
    const span = { from: iso(state.from), to: iso(state.to) };
    ui.status.textContent = `Loading ${showDay(state.from)}…`;
    state.notes = [];
    const [events, incidents, provisional] = await Promise.all([
      has(`${API}/events`)
        ? listAll(`${API}/events`, span).catch((e) => noteError("events", e))
        : null,
      has(`${API}/incidents`)
        ? listAll(`${API}/incidents`, span).catch((e) => noteError("incidents", e))
        : (state.notes.push("Incidents: not offered by this server yet."), null),
      has(`${API}/provisional-events`)
        ? listAll(`${API}/provisional-events`, span).catch(() => null)
        : null,
    ]);
    if (disposed) return;
    state.events = new Map();
    for (const f of events?.items ?? []) addEvent(f);
    state.provisional = new Map();
    for (const f of provisional?.items ?? []) addEvent(f, true);
    if (events?.truncated) state.notes.push(`Events: only the first ${events.items.length} are shown; choose a shorter period.`);
    state.completeTo = events ? parseTime(events.complete_to) : null;
    state.incidents = new Map((incidents?.items ?? []).map((i) => [String(i.id), i]));
    // Start at the end of the last quarter hour with data (sensor status as of then).
    const steps = Math.round((state.to - state.from) / STEP_MS);
    const times = [...state.events.values()].map((e) => e.time);
    for (const i of state.incidents.values()) times.push(parseTime(i.time_from) ?? state.from);
    const last = times.length ? Math.max(...times.filter((t) => t < state.to)) : state.to;
    const step = Number.isFinite(last) ? Math.min(steps, Math.floor((last - state.from) / STEP_MS) + 1) : steps;
    ui.slider.max = String(steps);
    ui.slider.value = String(step);
    state.t = state.from + step * STEP_MS;
    render();
    await loadSensors();
    focusFromParams();
    mapEl.dataset.loaded = "true";
  }

  function noteError(what: string, err: unknown): null {
    const status = err instanceof ApiError ? err.status : 0;
    state.notes.push(
      status === 401 || status === 403
        ? `${what}: not released to you.`
        : `${what}: could not be loaded (${err instanceof Error ? err.message : String(err)}).`,
    );
    return null;
  }

  // A released event replaces its provisional form (the same id); a provisional one is
  // shown only while no released event has its id.
  function addEvent(feature: Json, provisional = false): void {
    const p = feature.properties ?? {};
    const coords = feature.geometry?.coordinates as LonLat | undefined;
    if (!coords || !p.id) return;
    const e = p.error_ellipse;
    if (provisional && state.events.has(String(p.id))) return;
    if (!provisional) state.provisional.delete(String(p.id));
    (provisional ? state.provisional : state.events).set(String(p.id), {
      feature,
      id: String(p.id),
      time: parseTime(p.time) ?? 0,
      phase: PHASES.includes(p.phase) ? p.phase : "unknown",
      side: p.side ?? null,
      sector: sectorAt(state.agreement, coords[0], coords[1]),
      ellipse:
        e && e.semi_major_m > 0
          ? ellipseRing(coords, e.semi_major_m, e.semi_minor_m ?? e.semi_major_m, e.azimuth_deg ?? 0)
          : null,
    });
  }

  async function loadSensors(): Promise<void> {
    if (!has(`${API}/sensors`)) return;
    const ticket = ++sensorRequest;
    const at = iso(state.t);
    try {
      const res = await getJson<{ items: Json[] }>(`${API}/sensors${query({ at })}`);
      if (ticket !== sensorRequest || disposed) return;
      state.sensors = res.items;
    } catch (err) {
      if (ticket !== sensorRequest) return;
      state.sensors = [];
      noteError("sensors", err);
    }
    renderSensors();
    renderSummary();
    mapEl.dataset.sensorsAt = at;
  }

  // --- drawing -------------------------------------------------------------------------

  function windowStart(): number {
    return state.windowMs ? state.t - state.windowMs : state.from;
  }

  function eventVisible(e: EventRec): boolean {
    return (
      e.time >= windowStart() &&
      e.time < state.t &&
      state.phases.has(e.phase) &&
      (!state.side || (state.side === "-" ? !e.side : e.side === state.side)) &&
      (!state.sector || e.sector === state.sector)
    );
  }

  function incidentVisible(i: Json): boolean {
    const t0 = parseTime(i.time_from) ?? 0;
    const t1 = parseTime(i.time_to) ?? t0;
    const side = i.responsible_side ?? null;
    return (
      !!i.location &&
      t0 < state.t &&
      t1 >= windowStart() &&
      (!state.incidentState || i.state === state.incidentState) &&
      (!state.side || (state.side === "-" ? !side : side === state.side)) &&
      (!state.sector || i.sector === state.sector)
    );
  }

  function render(): void {
    if (!map) return;
    const shown = [...state.events.values()].filter(eventVisible);
    const shownIds = new Set(shown.map((e) => e.id));
    setData(map, "events", shown.map((e) => ({
      type: "Feature",
      geometry: e.feature.geometry,
      properties: { id: e.id, phase: e.phase, side: e.side ?? "", kind: "event" },
    })));
    const early = [...state.provisional.values()].filter(eventVisible);
    setData(map, "provisional", early.map((e) => ({
      type: "Feature",
      geometry: e.feature.geometry,
      properties: { id: e.id, phase: e.phase, side: e.side ?? "", kind: "provisional" },
    })));
    mapEl.dataset.provisional = String(early.length);
    setData(map, "ellipses", shown.filter((e) => e.ellipse).map((e) => ({
      type: "Feature",
      geometry: { type: "Polygon", coordinates: [e.ellipse] },
      properties: { id: e.id, phase: e.phase, kind: "event" },
    })));
    const arrows: Json[] = [];
    for (const e of shown) {
      const partnerId = e.feature.properties?.paired_with;
      const partner = partnerId ? state.events.get(String(partnerId)) : undefined;
      if (e.phase !== "launch" || !partner || !shownIds.has(partner.id)) continue;
      arrows.push({
        type: "Feature",
        geometry: {
          type: "MultiLineString",
          coordinates: arrowLines(e.feature.geometry.coordinates, partner.feature.geometry.coordinates),
        },
        properties: { id: e.id, to: partner.id, kind: "arrow" },
      });
    }
    setData(map, "arrows", arrows);
    // An unpaired impact that fusion put in a salvo: a dashed line to the salvo's first
    // launch, which names who fired it though not which round it was.
    const salvoLinks: Json[] = [];
    for (const e of shown) {
      const p = e.feature.properties ?? {};
      const first = p.salvo ? state.events.get(String(p.salvo)) : undefined;
      if (e.phase !== "impact" || p.paired_with || !first || !shownIds.has(first.id)) continue;
      salvoLinks.push({
        type: "Feature",
        geometry: { type: "LineString", coordinates: [first.feature.geometry.coordinates, e.feature.geometry.coordinates] },
        properties: { id: e.id, salvo: first.id, kind: "salvo-link" },
      });
    }
    setData(map, "salvo-links", salvoLinks);
    const incidents = [...state.incidents.values()].filter(incidentVisible);
    setData(map, "incidents", incidents.map((i) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: [i.location.lon, i.location.lat] },
      properties: {
        id: i.id,
        state: i.state,
        side: i.responsible_side ?? "",
        kind: "incident",
        grave: !!i.grave,
      },
    })));
    ui.time.textContent = state.windowMs
      ? `${showTime(windowStart())} to ${showTime(state.t)}`
      : `${showTime(state.from)} to ${showTime(state.t)}`;
    renderIncidentList(incidents);
    renderSummary(shown.length, incidents.length, arrows.length, early.length);
    // The window shown, for scripts and tests: [data-window-from, data-window-to).
    mapEl.dataset.windowFrom = iso(windowStart());
    mapEl.dataset.windowTo = iso(state.t);
  }

  let lastCounts = [0, 0, 0, 0];
  function renderSummary(events?: number, incidents?: number, arrows?: number, early?: number): void {
    if (events !== undefined) lastCounts = [events, incidents ?? 0, arrows ?? 0, early ?? 0];
    const [ev, inc, arr, pro] = lastCounts;
    const byStatus: Record<string, number> = {};
    for (const s of state.sensors) byStatus[s.status ?? "unknown"] = (byStatus[s.status ?? "unknown"] ?? 0) + 1;
    const sensorText = state.sensors.length
      ? `${state.sensors.length} sensors (${Object.entries(byStatus).map(([k, n]) => `${n} ${k.replace("_", " ")}`).join(", ")})`
      : "no sensors shown";
    setChildren(
      ui.status,
      h("span", {}, `${ev} events${pro ? ` (and ${pro} located, not released yet)` : ""}, ${arr} launch→impact pairs, ${inc} incidents; ${sensorText}.`),
      ...[...state.notes, ...completeNote()].map((n) => h("span", { class: "note" }, ` ${n}`)),
    );
  }

  // A blast's event is released once its pairs are settled, minutes after it: the
  // period's last minutes are not yet calm, only not yet fused.
  function completeNote(): string[] {
    const complete = state.completeTo;
    if (complete === null || complete >= state.to) {
      delete mapEl.dataset.eventsCompleteTo;
      return [];
    }
    mapEl.dataset.eventsCompleteTo = iso(complete);
    return [`Events are complete to ${showTime(complete)}; fusion has released none after it yet (an event comes once its pairs are settled, some 13 minutes after the blast; hollow markers are blasts located, some 4–7 minutes after them, and not released yet).`];
  }

  function renderSensors(): void {
    if (!map) return;
    setData(map, "sensors", state.sensors.map((s) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: [s.lon, s.lat] },
      properties: { id: s.id, status: s.status ?? "unknown", kind: "sensor" },
    })));
  }

  function renderIncidentList(incidents: Json[]): void {
    const list = h("ul", { class: "plain" });
    for (const i of incidents.slice(0, 40)) {
      list.append(h("li", {},
        h("span", { class: "swatch", style: `background:${STATE_COLOURS[i.state] ?? NO_SIDE}` }),
        h("a", { href: `#/incident/${encodeURIComponent(i.id)}` }, i.title || i.id),
        ` (${stateLabel(i.state)})`,
      ));
    }
    setChildren(ui.incidentList,
      h("h3", {}, `Incidents shown (${incidents.length})`),
      incidents.length ? list : h("p", { class: "muted" }, "None in this window."),
      incidents.length > 40 ? h("p", { class: "muted" }, "The queue lists them all.") : null,
    );
  }

  // --- interaction ---------------------------------------------------------------------

  function wireClicks(m: maplibregl.Map): void {
    // One handler, features picked by priority: an event above the area that holds it.
    const order = ["incidents", "events", "provisional", "sensors", "arrows", "salvo-links", "ellipses-fill", "agreement-points", "agreement-lines", "agreement-fill"];
    const hitsAt = (p: maplibregl.Point) =>
      m.queryRenderedFeatures([[p.x - 4, p.y - 4], [p.x + 4, p.y + 4]], { layers: order.filter((l) => m.getLayer(l)) });
    m.on("click", (ev: MapMouseEvent) => {
      const hits = hitsAt(ev.point);
      for (const layer of order) {
        const f = hits.find((x) => x.layer.id === layer);
        if (f) {
          showDetails(layer, f.properties ?? {});
          return;
        }
      }
    });
    m.on("mousemove", (ev: MapMouseEvent) => {
      const pointy = hitsAt(ev.point).some((x) => order.indexOf(x.layer.id) < 6);
      m.getCanvas().style.cursor = pointy ? "pointer" : "";
    });
  }

  // The feature the details panel shows: a provisional event there is shown again when
  // it is released or withdrawn, so the panel never vouches for one that went.
  let shown: { layer: string; props: Json } | null = null;

  function showDetails(layer: string, props: Json): void {
    shown = { layer, props };
    const rows: [string, string][] = [];
    let title = "";
    let link: HTMLElement | null = null;
    if (props.kind === "event" || props.kind === "arrow" || props.kind === "salvo-link") {
      const e = state.events.get(String(props.id));
      const p = e?.feature.properties ?? {};
      title = `Event ${props.id}`;
      rows.push(["Time", showTime(parseTime(p.time), true)], ["Phase", String(p.phase)],
        ["Weapon", String(p.weapon ?? "–")], ["Side (where located)", sideName(state.agreement, p.side)],
        ["Sensors", String(p.n_sensors ?? "–")],
        ["95 % ellipse", ellipseText(p.error_ellipse)],
        ["Paired with", String(p.paired_with ?? "–")],
        ["Salvo (its first launch)", String(p.salvo ?? "–")], ["Sector", e?.sector ?? "–"]);
    } else if (props.kind === "provisional") {
      const id = String(props.id);
      const p = state.provisional.get(id)?.feature.properties;
      const reason = props.withdrawn; // set by the stream's withdrawal (below)
      title = `Event ${props.id} (provisional)`;
      if (p) {
        rows.push(["Time", showTime(parseTime(p.time), true)],
          ["Phase (from the labels, before pairing)", String(p.phase)],
          ["Side (where located)", sideName(state.agreement, p.side)],
          ["Sensors", String(p.n_sensors ?? "–")],
          ["95 % ellipse", ellipseText(p.error_ellipse)],
          ["Status", "located; its pairs are not settled yet, and the event released then replaces it"]);
      } else {
        rows.push(["Status", `withdrawn: ${WITHDRAWN[reason ?? ""] ?? "not released"}`]);
      }
    } else if (props.kind === "incident") {
      const i = state.incidents.get(String(props.id)) ?? {};
      title = i.title || `Incident ${props.id}`;
      rows.push(["State", stateLabel(String(i.state))], ["Grade", String(i.grade ?? "–")],
        ["Responsible side", sideName(state.agreement, i.responsible_side)],
        ["Affected side", sideName(state.agreement, i.affected_side)],
        ["From", showTime(parseTime(i.time_from))], ["To", showTime(parseTime(i.time_to))],
        ["Sector", String(i.sector ?? "–")]);
      link = h("a", { href: `#/incident/${encodeURIComponent(String(props.id))}` }, "Open the incident");
    } else if (props.kind === "sensor") {
      const s = state.sensors.find((x) => x.id === props.id) ?? {};
      title = `Sensor ${props.id}`;
      rows.push(["Status at " + showTime(state.t), String(s.status ?? "unknown").replace("_", " ")],
        ["Kind", String(s.kind ?? "–")], ["Owner", String(s.owner ?? "–")],
        ["Timing σ", s.timing_sigma_ms !== undefined ? `${s.timing_sigma_ms} ms` : "–"]);
    } else {
      title = String(props.name ?? props.role ?? layer).replaceAll("_", " ");
      rows.push(["Layer", String(props.role ?? "").replaceAll("_", " ")]);
      if (props.side) rows.push(["Side", sideName(state.agreement, props.side)]);
      if (props.radius_m) rows.push(["Radius", `${props.radius_m} m`]);
      if (props.instrument) rows.push(["Instrument", String(props.instrument)]);
    }
    setChildren(ui.details,
      h("h3", {}, title),
      h("dl", {}, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      link,
    );
  }

  function focusFromParams(): void {
    const ev = params.get("event");
    const inc = params.get("incident");
    if (ev && state.events.has(ev) && map) {
      const e = state.events.get(ev)!;
      map.flyTo({ center: e.feature.geometry.coordinates, zoom: 10 });
      showDetails("events", { kind: "event", id: ev });
    } else if (inc && state.incidents.get(inc)?.location && map) {
      const i = state.incidents.get(inc)!;
      map.flyTo({ center: [i.location.lon, i.location.lat], zoom: 10 });
      showDetails("incidents", { kind: "incident", id: inc });
    }
  }

  function fillFilterOptions(): void {
    const sides: [string, string][] = [["", "all sides"], ...(state.agreement?.sides ?? []).map((s): [string, string] => [s.code, `${s.code}: ${s.name}`]), ["-", "not attributed"]];
    replaceOptions(ui.side, sides);
    replaceOptions(ui.sector, [["", "all sectors"], ...(state.agreement?.sectors ?? []).map((f): [string, string] => [String(f.properties?.name), String(f.properties?.name)])]);
    setChildren(ui.legend, legend(state.agreement));
  }

  ui.slider.addEventListener("input", () => {
    state.t = state.from + Number(ui.slider.value) * STEP_MS;
    render();
    window.clearTimeout(sensorTimer);
    sensorTimer = window.setTimeout(loadSensors, 250);
  });
  ui.windowSel.addEventListener("change", () => {
    state.windowMs = Number(ui.windowSel.value);
    render();
  });
  for (const box of ui.phaseBoxes) {
    box.addEventListener("change", () => {
      if (box.checked) state.phases.add(box.value);
      else state.phases.delete(box.value);
      render();
    });
  }
  ui.side.addEventListener("change", () => { state.side = ui.side.value; render(); });
  ui.sector.addEventListener("change", () => { state.sector = ui.sector.value; render(); });
  ui.incidentState.addEventListener("change", () => { state.incidentState = ui.incidentState.value; render(); });
  for (const box of ui.layerBoxes) {
    box.addEventListener("change", () => {
      for (const id of box.value.split(",")) {
        if (map?.getLayer(id)) map.setLayoutProperty(id, "visibility", box.checked ? "visible" : "none");
      }
    });
  }
  ui.periodForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const day = parseTime(ui.day.value);
    if (day === null) return;
    state.from = startOfDay(day);
    state.to = state.from + Number(ui.days.value) * DAY_MS;
    mapEl.dataset.loaded = "false";
    void loadPeriod();
  });

  cleanups.push(subscribe("event", (feature: Json) => {
    const t = parseTime(feature?.properties?.time);
    if (t === null || t < state.from || t >= state.to) return;
    addEvent(feature);
    render();
    const id = String(feature?.properties?.id);
    if (shown?.props.kind === "provisional" && String(shown.props.id) === id) {
      showDetails("events", { kind: "event", id }); // released: the event itself
    }
  }));
  cleanups.push(subscribe("provisional", (feature: Json) => {
    const t = parseTime(feature?.properties?.time);
    if (t === null || t < state.from || t >= state.to) return;
    addEvent(feature, true);
    render();
  }));
  // A provisional event gone unreleased (revised, replaced by a restarted worker, or passed
  // by the release front: the stream's `reason`) goes.
  cleanups.push(subscribe("withdrawn", (gone: Json) => {
    const id = String(gone?.id);
    if (state.provisional.delete(id)) render();
    if (shown?.props.kind === "provisional" && String(shown.props.id) === id) {
      showDetails(shown.layer, { ...shown.props, withdrawn: String(gone?.reason ?? "") });
    }
  }));
  cleanups.push(subscribe("complete", (front: Json) => {
    const t = parseTime(front?.complete_to);
    if (t === null || (state.completeTo !== null && t <= state.completeTo)) return;
    state.completeTo = t;
    renderSummary(); // a provisional event the front passed unreleased comes as withdrawn
  }));
  cleanups.push(subscribe("incident", (incident: Json) => {
    if (!incident?.id) return;
    state.incidents.set(String(incident.id), incident);
    render();
  }));

  boot().catch((err) => {
    ui.status.textContent = `The map could not start: ${err instanceof Error ? err.message : String(err)}`;
  });

  return () => {
    disposed = true;
    window.clearTimeout(sensorTimer);
    cleanups.forEach((fn) => fn());
    map?.remove();
    if (window.truceline) delete window.truceline.map;
  };
}

// --- the panel ---------------------------------------------------------------------------

function buildPanel() {
  const day = h("input", { type: "date", name: "day", required: true });
  const days = select([["1", "1 day"], ["2", "2 days"], ["3", "3 days"], ["7", "7 days"]], { name: "days" });
  const periodForm = h("form", { class: "period", "aria-label": "Period" },
    field("Day (UTC)", day), field("Length", days),
    h("button", { type: "submit" }, "Load period"));
  const slider = h("input", { type: "range", min: "0", max: "96", step: "1", value: "96", name: "time" });
  const time = h("output", { class: "time-label", "aria-live": "polite" });
  slider.setAttribute("aria-describedby", "time-label");
  time.id = "time-label";
  const windowSel = select(WINDOWS, { name: "window" }, "0");
  const phaseBoxes = PHASES.map((p) => h("input", { type: "checkbox", value: p, checked: true, name: "phase" }));
  const side = select([["", "all sides"]], { name: "side" });
  const sector = select([["", "all sectors"]], { name: "sector" });
  const incidentState = select([["", "all states"], ...STATES.map((s): [string, string] => [s, stateLabel(s)])], { name: "state" });
  const layerDefs: [string, string][] = [
    ["sensors", "Sensors"],
    ["events", "Events"],
    ["provisional", "Provisional events"],
    ["ellipses-fill,ellipses-line", "Error ellipses"],
    ["arrows", "Launch→impact arrows"],
    ["salvo-links", "Impacts attributed by salvo"],
    ["incidents", "Incidents"],
  ];
  const layerBoxes = layerDefs.map(([v]) => h("input", { type: "checkbox", value: v, checked: true, name: "layer" }));
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const details = h("div", { class: "details", "aria-live": "polite" },
    h("p", { class: "muted" }, "Choose a feature on the map to see its details."));
  const incidentList = h("div", { class: "incident-list" });
  const legend = h("div", { class: "legend" });
  const panel = h("aside", { class: "panel", "aria-label": "Map controls" },
    h("h2", {}, "Map"),
    periodForm,
    h("fieldset", {},
      h("legend", {}, "Time"),
      field("Time (end of window)", slider), time,
      field("Window", windowSel)),
    h("fieldset", {},
      h("legend", {}, "Filters"),
      h("fieldset", { class: "inline" }, h("legend", {}, "Event phase"),
        phaseBoxes.map((b, i) => h("label", {}, b, ` ${PHASES[i]}`))),
      field("Side", side), field("Sector", sector), field("Incident state", incidentState)),
    h("fieldset", { class: "inline" }, h("legend", {}, "Layers"),
      layerBoxes.map((b, i) => h("label", {}, b, ` ${layerDefs[i][1]}`))),
    status, details, incidentList, legend);
  return { panel, periodForm, day, days, slider, time, windowSel, phaseBoxes, side, sector, incidentState, layerBoxes, status, details, incidentList, legend };
}

/** Why live fusion withdrew a provisional event (the stream's `reason`), as the panel says. */
const WITHDRAWN: Record<string, string> = {
  revised: "fusion's later stages changed it; its new form is shown",
  replaced: "a restarted fusion worker located otherwise",
  unreleased: "the events were released past it without it",
};

/** An event's 95 % error ellipse as the details panel says it. */
function ellipseText(e: Json | undefined): string {
  return e ? `${e.semi_major_m} × ${e.semi_minor_m} m, azimuth ${e.azimuth_deg}°` : "–";
}

function replaceOptions(sel: HTMLSelectElement, options: [string, string][]): void {
  const current = sel.value;
  sel.replaceChildren(...options.map(([v, t]) => h("option", { value: v }, t)));
  sel.value = options.some(([v]) => v === current) ? current : "";
}

function swatch(colour: string, label: string, shape = "dot"): HTMLElement {
  return h("li", {}, h("span", { class: `swatch ${shape}`, style: `background:${colour}` }), label);
}

function legend(agreement: Agreement | null): HTMLElement[] {
  return [
    h("h3", {}, "Legend"),
    h("ul", { class: "plain" },
      swatch("#111", "contact line", "line"),
      ...(agreement?.sides ?? []).map((s) => swatch(sideColour(agreement, s.code), `area held by ${s.code}`, "area")),
      swatch("#f2a33a", "disengagement area", "area"),
      swatch("#9e3fb5", "protected site (radius)", "area"),
      swatch("#666", "sector boundary", "line"),
      ...Object.entries(SENSOR_COLOURS).map(([k, c]) => swatch(c, `sensor ${k.replace("_", " ")}`)),
      ...Object.entries(PHASE_COLOURS).map(([k, c]) => swatch(c, `event: ${k}`)),
      h("li", {}, h("span", { class: "swatch ring", style: `border-color:${PHASE_COLOURS.unknown}` }), "event located, not released yet (hollow)"),
      ...STATES.slice(0, 6).map((s) => swatch(STATE_COLOURS[s], `incident ${stateLabel(s)}`, "ring")),
    ),
    h("p", { class: "muted" }, "An incident's ring is coloured by its responsible side."),
  ];
}

// --- the map's style and layers ----------------------------------------------------------

function baseStyle(basemapUrl: string): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": "#eef1f4" } }],
  };
  if (basemapUrl) {
    style.sources.basemap = { type: "raster", tiles: [basemapUrl], tileSize: 256, attribution: "Basemap: as configured by the operator" };
    style.layers.push({ id: "basemap", type: "raster", source: "basemap", paint: { "raster-opacity": 0.85 } });
  }
  return style;
}

const EMPTY = { type: "FeatureCollection" as const, features: [] };

function setData(map: maplibregl.Map, source: string, features: Json[]): void {
  (map.getSource(source) as GeoJSONSource | undefined)?.setData({ type: "FeatureCollection", features } as never);
}

function role(r: string): maplibregl.ExpressionSpecification {
  return ["==", ["get", "role"], r];
}

function addLayers(map: maplibregl.Map, agreement: Agreement | null): void {
  for (const id of ["agreement", "sensors", "ellipses", "arrows", "salvo-links", "provisional", "events", "incidents"]) {
    map.addSource(id, { type: "geojson", data: EMPTY });
  }
  const sideMatch: maplibregl.ExpressionSpecification = [
    "match", ["coalesce", ["get", "side"], ""],
    ...(agreement?.sides ?? []).flatMap((s) => [s.code, sideColour(agreement, s.code)]),
    NO_SIDE,
  ] as unknown as maplibregl.ExpressionSpecification;
  const polygon: maplibregl.ExpressionSpecification = ["==", ["geometry-type"], "Polygon"];
  const layers: LayerSpecification[] = [
    { id: "agreement-control", type: "fill", source: "agreement", filter: ["all", polygon, role("control_area")],
      paint: { "fill-color": sideMatch, "fill-opacity": 0.13 } },
    { id: "agreement-disengagement", type: "fill", source: "agreement", filter: ["all", polygon, role("disengagement_area")],
      paint: { "fill-color": "#f2a33a", "fill-opacity": 0.45, "fill-outline-color": "#a05a00" } },
    { id: "agreement-holding", type: "fill", source: "agreement", filter: ["all", polygon, role("holding_area")],
      paint: { "fill-color": sideMatch, "fill-opacity": 0.3 } },
    { id: "agreement-protected", type: "fill", source: "agreement", filter: ["all", polygon, role("protected_site")],
      paint: { "fill-color": "#9e3fb5", "fill-opacity": 0.35, "fill-outline-color": "#5c1a70" } },
    { id: "agreement-nofly", type: "line", source: "agreement", filter: ["all", polygon, role("no_fly_zone")],
      paint: { "line-color": "#9e3fb5", "line-width": 1.5, "line-dasharray": [2, 2] } },
    { id: "agreement-sector", type: "line", source: "agreement", filter: ["all", polygon, role("sector")],
      paint: { "line-color": "#666", "line-width": 1.2, "line-dasharray": [4, 3] } },
    { id: "agreement-control-edge", type: "line", source: "agreement", filter: ["all", polygon, role("control_area")],
      paint: { "line-color": sideMatch, "line-width": 0.8, "line-opacity": 0.6 } },
    { id: "agreement-reference", type: "line", source: "agreement", filter: role("reference_line"),
      paint: { "line-color": "#444", "line-width": 1, "line-dasharray": [1, 2] } },
    { id: "agreement-contact", type: "line", source: "agreement", filter: role("contact_line"),
      paint: { "line-color": "#111", "line-width": 2.5 } },
    { id: "agreement-points", type: "circle", source: "agreement", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 4, "circle-color": "#fff", "circle-stroke-color": sideMatch, "circle-stroke-width": 2 } },
    { id: "sensors", type: "circle", source: "sensors",
      paint: {
        "circle-radius": ["match", ["get", "status"], "non_operational", 5, 3.5],
        "circle-color": ["match", ["get", "status"], "operational", SENSOR_COLOURS.operational, "degraded", SENSOR_COLOURS.degraded, "non_operational", "#ffffff", SENSOR_COLOURS.unknown],
        "circle-stroke-color": ["match", ["get", "status"], "non_operational", SENSOR_COLOURS.non_operational, "#1f1f1f"],
        "circle-stroke-width": ["match", ["get", "status"], "non_operational", 2.5, 0.6],
      } },
    { id: "ellipses-fill", type: "fill", source: "ellipses",
      paint: { "fill-color": ["match", ["get", "phase"], "launch", PHASE_COLOURS.launch, "impact", PHASE_COLOURS.impact, PHASE_COLOURS.unknown], "fill-opacity": 0.15 } },
    { id: "ellipses-line", type: "line", source: "ellipses",
      paint: { "line-color": ["match", ["get", "phase"], "launch", PHASE_COLOURS.launch, "impact", PHASE_COLOURS.impact, PHASE_COLOURS.unknown], "line-width": 1 } },
    { id: "arrows", type: "line", source: "arrows",
      paint: { "line-color": "#333", "line-width": 1.4, "line-opacity": 0.8 } },
    { id: "salvo-links", type: "line", source: "salvo-links",
      paint: { "line-color": "#333", "line-width": 1, "line-opacity": 0.6, "line-dasharray": [2, 2] } },
    { id: "provisional", type: "circle", source: "provisional",
      paint: {
        "circle-radius": 4,
        "circle-color": "#ffffff",
        "circle-opacity": 0.6,
        "circle-stroke-color": ["match", ["get", "phase"], "launch", PHASE_COLOURS.launch, "impact", PHASE_COLOURS.impact, PHASE_COLOURS.unknown],
        "circle-stroke-width": 2,
      } },
    { id: "events", type: "circle", source: "events",
      paint: {
        "circle-radius": 4,
        "circle-color": ["match", ["get", "phase"], "launch", PHASE_COLOURS.launch, "impact", PHASE_COLOURS.impact, PHASE_COLOURS.unknown],
        "circle-stroke-color": "#fff", "circle-stroke-width": 1,
      } },
    { id: "incidents", type: "circle", source: "incidents",
      paint: {
        "circle-radius": ["case", ["get", "grave"], 9, 7],
        "circle-color": ["match", ["get", "state"], ...STATES.flatMap((s) => [s, STATE_COLOURS[s]]), NO_SIDE] as unknown as maplibregl.ExpressionSpecification,
        "circle-stroke-color": ["match", ["get", "side"], ...(agreement?.sides ?? []).flatMap((s) => [s.code, sideColour(agreement, s.code)]), "#ffffff"] as unknown as maplibregl.ExpressionSpecification,
        "circle-stroke-width": 3,
        "circle-opacity": 0.9,
      } },
  ];
  for (const layer of layers) map.addLayer(layer);
  // Click targets for the agreement, by geometry (fills and lines above are styled views).
  map.addLayer({ id: "agreement-fill", type: "fill", source: "agreement", filter: polygon,
    paint: { "fill-opacity": 0 } }, "agreement-control");
  map.addLayer({ id: "agreement-lines", type: "line", source: "agreement", filter: ["==", ["geometry-type"], "LineString"],
    paint: { "line-opacity": 0, "line-width": 8 } }, "agreement-control");
}

/** The agreement as drawn: protected sites given as a point and a radius become circles. */
export function agreementFeatures(agreement: Agreement | null): Json[] {
  return (agreement?.geojson.features ?? []).map((f) => {
    const p = f.properties ?? {};
    if (p.role === "protected_site" && f.geometry?.type === "Point" && Number(p.radius_m) > 0) {
      return { ...f, geometry: { type: "Polygon", coordinates: [circleRing(f.geometry.coordinates, Number(p.radius_m))] } };
    }
    return f;
  });
}

function setAgreementData(map: maplibregl.Map, agreement: Agreement | null): void {
  setData(map, "agreement", agreementFeatures(agreement));
}

function fitToAgreement(map: maplibregl.Map, agreement: Agreement | null): void {
  let [w, s, e, n] = [180, 90, -180, -90];
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === "number") {
      const [x, y] = c as number[];
      w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y);
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  for (const f of agreement?.geojson.features ?? []) {
    if (f.properties?.role !== "control_area") visit(f.geometry?.coordinates);
  }
  if (w < e && s < n) map.fitBounds([[w, s], [e, n]], { padding: 30, duration: 0 });
}
