// The incident queue: incidents grouped by state, oldest first within a state, with their
// service-level status (overdue rows are marked in words as well as colour). Keyboard: Tab
// reaches the first incident, the arrow keys move between incidents, Enter opens one.

import { API, ApiError, Json, getOptional, has, listAll } from "./api";
import { STATES, STATE_COLOURS, loadAgreement, sideName, stateLabel } from "./data";
import type { Agreement } from "./data";
import { field, h, select, setChildren } from "./dom";
import { subscribe } from "./live";
import { parseTime, showDuration, showTime } from "./time";

const CLOSED = new Set(["published", "archived", "duplicate"]);
const SOON_MS = 60 * 60_000;

interface Filters {
  state: string;
  sector: string;
  side: string;
  overdueOnly: boolean;
}

export function mountQueue(root: HTMLElement, params: URLSearchParams): () => void {
  const filters: Filters = {
    state: params.get("state") ?? "open",
    sector: params.get("sector") ?? "",
    side: params.get("side") ?? "",
    overdueOnly: params.get("overdue") === "1",
  };
  let incidents = new Map<string, Json>();
  let agreement: Agreement | null = null;
  let disposed = false;

  const stateSel = select(
    [["open", "open (not yet published)"], ["", "all states"], ...STATES.map((s): [string, string] => [s, stateLabel(s)])],
    { name: "state" },
    filters.state,
  );
  const sectorSel = select([["", "all sectors"]], { name: "sector" });
  const sideSel = select([["", "all sides"]], { name: "side" });
  const overdue = h("input", { type: "checkbox", name: "overdue", checked: filters.overdueOnly });
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" }, "Loading the queue…");
  const body = h("div", { class: "queue-body" });
  setChildren(root,
    h("div", { class: "page" },
      h("h2", { tabindex: "-1" }, "Incident queue"),
      h("form", { class: "filters", "aria-label": "Queue filters", onsubmit: (e: Event) => e.preventDefault() },
        field("State", stateSel), field("Sector", sectorSel), field("Side", sideSel),
        h("div", { class: "field checkbox" }, h("label", {}, overdue, " Overdue only"))),
      status, body));

  const render = (): void => {
    const now = Date.now();
    const shown = [...incidents.values()].filter((i) =>
      (filters.state === "open" ? !CLOSED.has(i.state) : !filters.state || i.state === filters.state) &&
      (!filters.sector || i.sector === filters.sector) &&
      (!filters.side || i.responsible_side === filters.side || i.affected_side === filters.side) &&
      (!filters.overdueOnly || Number(i.sla?.overdue_s ?? 0) > 0));
    const late = shown.filter((i) => Number(i.sla?.overdue_s ?? 0) > 0).length;
    status.textContent = `${shown.length} incidents shown, ${late} overdue.`;
    const sections: HTMLElement[] = [];
    for (const st of STATES) {
      const rows = shown
        .filter((i) => i.state === st)
        .sort((a, b) => String(a.since ?? a.created_at).localeCompare(String(b.since ?? b.created_at)));
      if (!rows.length) continue;
      const headingId = `queue-${st}`;
      sections.push(h("section", { class: "queue-state", "aria-labelledby": headingId },
        h("h3", { id: headingId },
          h("span", { class: "swatch", style: `background:${STATE_COLOURS[st]}` }),
          `${stateLabel(st)} (${rows.length})`),
        table(rows, now, agreement)));
    }
    setChildren(body, sections.length ? sections : h("p", { class: "muted" }, "No incidents match."));
  };

  const load = async (): Promise<void> => {
    if (!has(`${API}/incidents`)) {
      status.textContent = "This server does not offer the incidents service yet.";
      return;
    }
    agreement = await loadAgreement().catch(() => null);
    fillOptions();
    try {
      const res = await listAll(`${API}/incidents`, {}, 5000);
      if (disposed) return;
      incidents = new Map(res.items.map((i) => [String(i.id), i]));
      render();
      if (res.truncated) status.textContent += " Only the first 5000 are listed.";
    } catch (err) {
      status.textContent =
        err instanceof ApiError && (err.status === 401 || err.status === 403)
          ? "The incident queue is not released to you."
          : `The queue could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
    }
  };

  function fillOptions(): void {
    sectorSel.replaceChildren(...[["", "all sectors"], ...(agreement?.sectors ?? []).map((f) => [String(f.properties?.name), String(f.properties?.name)])]
      .map(([v, t]) => h("option", { value: v }, t)));
    sectorSel.value = filters.sector;
    sideSel.replaceChildren(...[["", "all sides"], ...(agreement?.sides ?? []).map((s) => [s.code, `${s.code}: ${s.name}`])]
      .map(([v, t]) => h("option", { value: v }, t)));
    sideSel.value = filters.side;
  }

  const refilter = (): void => {
    filters.state = stateSel.value;
    filters.sector = sectorSel.value;
    filters.side = sideSel.value;
    filters.overdueOnly = overdue.checked;
    render();
  };
  for (const el of [stateSel, sectorSel, sideSel, overdue]) el.addEventListener("change", refilter);
  body.addEventListener("keydown", (ev) => moveFocus(body, ev));

  // The stream carries the incident without its service level: read it back in full.
  const stop = subscribe("incident", async (incident: Json) => {
    if (!incident?.id) return;
    const id = String(incident.id);
    const full = await getOptional(`${API}/incidents/${encodeURIComponent(id)}`).catch(() => incident);
    if (disposed) return;
    if (full) incidents.set(id, full);
    else incidents.delete(id);
    render();
  });
  void load();
  return () => {
    disposed = true;
    stop();
  };
}

function table(rows: Json[], now: number, agreement: Agreement | null): HTMLElement {
  return h("table", { class: "queue" },
    h("thead", {}, h("tr", {},
      ["Incident", "Grade", "Sector", "Responsible side", "In this state", "Service level"]
        .map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((i) => row(i, now, agreement))));
}

function row(i: Json, now: number, agreement: Agreement | null): HTMLElement {
  const since = parseTime(i.since) ?? parseTime(i.created_at);
  const overdueS = Number(i.sla?.overdue_s ?? 0);
  const due = parseTime(i.sla?.due_at);
  let sla: HTMLElement;
  let cls = "";
  if (overdueS > 0) {
    cls = "overdue";
    sla = h("span", { class: "sla late" }, `⚠ Overdue by ${showDuration(overdueS * 1000)}`);
  } else if (due !== null && due - now < SOON_MS) {
    cls = "due-soon";
    sla = h("span", { class: "sla soon" }, `Due in ${showDuration(due - now)}`);
  } else if (due !== null) {
    sla = h("span", { class: "sla" }, `Due ${showTime(due)}`);
  } else {
    sla = h("span", { class: "sla muted" }, "no target");
  }
  const href = `#/incident/${encodeURIComponent(i.id)}`;
  const tr = h("tr", { class: cls, "data-id": i.id },
    h("td", {},
      h("a", { href, class: "queue-link", "data-incident": i.id }, i.title || i.id),
      i.grave ? h("span", { class: "badge grave" }, "grave") : null,
      h("div", { class: "muted small" }, `${i.id} · ${showTime(parseTime(i.time_from))}`)),
    h("td", {}, String(i.grade ?? "–")),
    h("td", {}, String(i.sector ?? "–")),
    h("td", {}, sideName(agreement, i.responsible_side)),
    h("td", {}, since !== null ? showDuration(now - since) : "–"),
    h("td", {}, sla));
  tr.addEventListener("click", (ev) => {
    if ((ev.target as HTMLElement).closest("a")) return;
    location.hash = href;
  });
  return tr;
}

/** Arrow keys move between the queue's incident links; Home and End jump to the ends. */
function moveFocus(container: HTMLElement, ev: KeyboardEvent): void {
  const links = [...container.querySelectorAll<HTMLAnchorElement>("a.queue-link")];
  const i = links.indexOf(document.activeElement as HTMLAnchorElement);
  if (i < 0) return;
  const next = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: links.length - 1 }[ev.key];
  if (next === undefined) return;
  ev.preventDefault();
  links[Math.max(0, Math.min(links.length - 1, next))].focus();
}
