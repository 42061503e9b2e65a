// Violations per day by sector and responsible side: a stacked bar chart and the same
// numbers as a table (the table is what screen readers and copy-paste use). From
// GET /api/v1/stats/violations; on a server without it, counted here from the visible
// findings of rule `fire`, with the sector found from the agreement's sector polygons.

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Title,
  Tooltip,
} from "chart.js";

import { API, ApiError, Json, getJson, has, listAll, query } from "./api";
import { latestTime, loadAgreement, sectorAt, sideColour } from "./data";
import type { Agreement } from "./data";
import { field, h, select, setChildren } from "./dom";
import { DAY_MS, iso, parseTime, showDay, showTime, startOfDay } from "./time";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Title, Tooltip);

export interface DayCount {
  date: string;
  sector: string;
  responsible_side: string;
  count: number;
}

const SECTOR_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"];

/** Count `fire` findings per UTC day, sector and responsible side (the server's rule). */
export function countFindings(findings: Json[], agreement: Agreement | null): DayCount[] {
  const counts = new Map<string, number>();
  for (const f of findings) {
    if (f.rule !== "fire") continue;
    const t = parseTime(f.time);
    if (t === null) continue;
    const loc = f.location;
    const sector = loc ? (sectorAt(agreement, loc.lon, loc.lat) ?? "outside sectors") : "unassigned";
    const key = JSON.stringify([showDay(t), sector, f.responsible_side ?? "not attributed"]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort().map(([k, count]) => {
    const [date, sector, side] = JSON.parse(k);
    return { date, sector, responsible_side: side, count };
  });
}

/** What the note says where fusion has released events only to a time before the period's
 * end: the counts after it may still grow (a blast's event comes some 13 minutes after it). */
function incomplete(completeTo: string | null | undefined, end: number): string {
  const t = parseTime(completeTo);
  if (t === null || t >= end) return "";
  return ` Blasts are located only to ${showTime(t)} (fusion releases each some 13 minutes after it occurs): the counts after it are not complete yet.`;
}

export function mountStats(root: HTMLElement, params: URLSearchParams): () => void {
  let chart: Chart | null = null;
  let agreement: Agreement | null = null;
  let rows: DayCount[] = [];
  let disposed = false;
  const from = h("input", { type: "date", name: "from", required: true });
  const to = h("input", { type: "date", name: "to", required: true });
  const groupBy = select([["side", "responsible side"], ["sector", "sector"]], { name: "group" }, params.get("group") ?? "side");
  const sectorSel = select([["", "all sectors"]], { name: "sector" });
  const form = h("form", { class: "filters", "aria-label": "Statistics period" },
    field("From (UTC day)", from), field("To (UTC day, inclusive)", to),
    field("Stack bars by", groupBy), field("Sector", sectorSel),
    h("button", { type: "submit" }, "Show"));
  const note = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const canvas = h("canvas", { id: "stats-chart", role: "img", "aria-label": "Violations per day (the table below gives the numbers)" });
  const tableSlot = h("div", {});
  setChildren(root, h("div", { class: "page" },
    h("h2", { tabindex: "-1" }, "Violations per day"),
    form, note, h("div", { class: "chart-box" }, canvas), tableSlot));

  const draw = (): void => {
    const sector = sectorSel.value;
    const shown = rows.filter((r) => !sector || r.sector === sector);
    const days: string[] = [];
    for (let t = parseTime(from.value)!; t <= parseTime(to.value)!; t += DAY_MS) days.push(showDay(t));
    const key = (r: DayCount): string => (groupBy.value === "side" ? r.responsible_side : r.sector);
    const groups = [...new Set(shown.map(key))].sort();
    const datasets = groups.map((g, i) => ({
      label: groupBy.value === "side" ? `side ${g}` : g,
      data: days.map((d) => shown.filter((r) => r.date === d && key(r) === g).reduce((n, r) => n + r.count, 0)),
      backgroundColor: groupBy.value === "side" ? sideColour(agreement, g) : SECTOR_COLOURS[i % SECTOR_COLOURS.length],
    }));
    chart?.destroy();
    chart = new Chart(canvas, {
      type: "bar",
      data: { labels: days, datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "violations (fire findings)" } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
    (window.truceline ??= {}).chart = chart;
    const total = shown.reduce((n, r) => n + r.count, 0);
    setChildren(tableSlot, h("table", { class: "stats" },
      h("caption", {}, `${total} violations, ${from.value} to ${to.value}`),
      h("thead", {}, h("tr", {}, ["Day", "Sector", "Responsible side", "Count"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, shown.map((r) => h("tr", {}, h("td", {}, r.date), h("td", {}, r.sector), h("td", {}, r.responsible_side), h("td", { class: "num" }, String(r.count)))))));
  };

  const load = async (): Promise<void> => {
    const t0 = parseTime(from.value);
    const t1 = parseTime(to.value);
    if (t0 === null || t1 === null || t1 < t0) {
      note.textContent = "Choose a period whose end is not before its start.";
      return;
    }
    const span = { from: iso(t0), to: iso(t1 + DAY_MS) };
    note.textContent = "Loading…";
    try {
      if (has(`${API}/stats/violations`)) {
        const res = await getJson<{ days: DayCount[]; complete_to?: string | null }>(`${API}/stats/violations${query(span)}`);
        rows = res.days;
        note.textContent = "Fire findings you may see, per day, sector and responsible side." + incomplete(res.complete_to, t1 + DAY_MS);
      } else {
        const res = await listAll(`${API}/findings`, span, 50_000);
        rows = countFindings(res.items, agreement);
        note.textContent = "This server has no statistics endpoint: counted in your browser from the findings of rule fire that you may see." + (res.truncated ? " Only the first 50 000 findings were counted." : "");
      }
    } catch (err) {
      rows = [];
      note.textContent = err instanceof ApiError && (err.status === 401 || err.status === 403)
        ? "Statistics are not released to you."
        : `Statistics could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (!disposed) draw();
  };

  form.addEventListener("submit", (ev) => { ev.preventDefault(); void load(); });
  groupBy.addEventListener("change", draw);
  sectorSel.addEventListener("change", draw);

  void (async () => {
    agreement = await loadAgreement().catch(() => null);
    sectorSel.replaceChildren(...[["", "all sectors"], ...(agreement?.sectors ?? []).map((f) => [String(f.properties?.name), String(f.properties?.name)]), ["outside sectors", "outside sectors"]]
      .map(([v, t]) => h("option", { value: v }, t)));
    const end = parseTime(params.get("to") ?? "") ?? startOfDay((await latestTime("findings")) ?? Date.now());
    const start = parseTime(params.get("from") ?? "") ?? end - 6 * DAY_MS;
    from.value = showDay(start);
    to.value = showDay(end);
    if (!disposed) await load();
  })();

  return () => {
    disposed = true;
    chart?.destroy();
  };
}
