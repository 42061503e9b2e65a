// One incident: what it is, its service level, the actions this user may take now, its
// determination, timeline, corroborating sources (findings with their basis, events,
// observations) and evidence. Sensitive evidence opens only after an explicit click, and
// the server logs that opening (?confirm=1).

import { ACTION_LABELS, actionForm } from "./actions";
import { API, ApiError, Json, authHeaders, getJson, has, postJson } from "./api";
import { loadAgreement, sideName, stateLabel, STATE_COLOURS } from "./data";
import type { Agreement } from "./data";
import { h, setChildren, toast } from "./dom";
import { subscribe } from "./live";
import type { Principal } from "./session";
import { parseTime, showDay, showDuration, showTime } from "./time";

export function mountIncident(root: HTMLElement, id: string, me: Principal): () => void {
  let disposed = false;
  let agreement: Agreement | null = null;
  let incident: Json | null = null;
  const alert = h("div", { class: "alert", role: "alert" });
  const UPDATED = "This incident was just updated by someone else; the page shows the new version.";

  // Loads can overlap (a live update and a refused action both reload): only the newest
  // load started may render, so a slow older answer never hides a newer one or its message.
  let generation = 0;
  let loading = false;
  let announced = 0; // the newest version the live stream has announced

  const load = async (message?: string): Promise<void> => {
    const mine = ++generation;
    loading = true;
    if (!has(`${API}/incidents/{incident_id}`)) {
      loading = false;
      setChildren(root, h("div", { class: "page" }, h("h2", {}, "Incident"),
        h("p", {}, "This server does not offer the incidents service yet.")));
      return;
    }
    agreement ??= await loadAgreement().catch(() => null);
    let fetched: Json;
    try {
      fetched = await getJson(`${API}/incidents/${encodeURIComponent(id)}`);
    } catch (err) {
      if (disposed || mine !== generation) return;
      loading = false;
      const status = err instanceof ApiError ? err.status : 0;
      setChildren(root, h("div", { class: "page" }, h("h2", { tabindex: "-1" }, "Incident"),
        h("p", { role: "alert" }, status === 404
          ? `No incident ${id} is released to you.`
          : `The incident could not be loaded: ${err instanceof Error ? err.message : String(err)}`),
        h("p", {}, h("a", { href: "#/queue" }, "Back to the queue"))));
      return;
    }
    if (disposed || mine !== generation) return;
    loading = false;
    incident = fetched;
    render();
    if (message) warn(message);
    // The stream announced a version newer than the one read: read again, keeping the message.
    if (announced > Number(fetched.version)) void load(message ?? UPDATED);
  };

  function warn(message: string): void {
    alert.textContent = message;
    alert.className = "alert warn";
  }

  function render(): void {
    const i = incident!;
    alert.textContent = "";
    alert.className = "alert";
    setChildren(root, h("article", { class: "page incident", "aria-labelledby": "incident-title" },
      h("p", {}, h("a", { href: "#/queue" }, "← Queue")),
      h("h2", { id: "incident-title", tabindex: "-1" }, i.title || i.id),
      h("p", { class: "badges" },
        h("span", { class: "badge state", style: `border-color:${STATE_COLOURS[i.state] ?? "#555"}` }, stateLabel(i.state)),
        h("span", { class: "badge" }, `grade: ${i.grade ?? "–"}`),
        i.grave ? h("span", { class: "badge grave" }, "grave") : null,
        h("span", { class: "badge" }, `version ${i.version}`)),
      alert,
      actionsSection(i),
      summarySection(i),
      determinationSection(i),
      timelineSection(i),
      sourcesSection(i),
      evidenceSection(i)));
  }

  // --- actions ---------------------------------------------------------------------------

  function actionsSection(i: Json): HTMLElement {
    const allowed: string[] = i.allowed_actions ?? [];
    const formSlot = h("div", { class: "form-slot" });
    const buttons = allowed.map((a) =>
      h("button", { type: "button", class: "action", "data-action": a, "aria-expanded": "false",
        onclick: (ev: Event) => openForm(a, ev.currentTarget as HTMLButtonElement, formSlot) },
        ACTION_LABELS[a] ?? a.replaceAll("_", " ")));
    return h("section", { class: "actions", "aria-labelledby": "actions-h" },
      h("h3", { id: "actions-h" }, "Actions available to you"),
      buttons.length ? h("div", { class: "buttons" }, buttons)
        : h("p", { class: "muted" }, "None: your roles allow no action on this incident in its current state."),
      formSlot);
  }

  function openForm(action: string, button: HTMLButtonElement, slot: HTMLElement): void {
    document.querySelectorAll("button.action[aria-expanded=true]").forEach((b) => b.setAttribute("aria-expanded", "false"));
    button.setAttribute("aria-expanded", "true");
    const { form, payload } = actionForm(action, incident!, agreement, me.name);
    const error = h("p", { class: "form-error", role: "alert" });
    const submit = h("button", { type: "submit", class: "primary" }, `${ACTION_LABELS[action] ?? action}: confirm`);
    const cancel = h("button", { type: "button", onclick: () => {
      slot.replaceChildren();
      button.setAttribute("aria-expanded", "false");
      button.focus();
      if (announced > Number(incident!.version)) void load(UPDATED); // held back while the form was open
    } }, "Cancel");
    form.append(error, h("div", { class: "buttons" }, submit, cancel));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = payload();
      if (typeof body === "string") {
        error.textContent = body;
        return;
      }
      submit.disabled = true;
      try {
        const done = await postJson(`${API}/incidents/${encodeURIComponent(id)}/actions/${encodeURIComponent(action)}`,
          { version: incident!.version, ...body });
        generation += 1; // this answer is newer than any load still under way
        loading = false;
        incident = done;
        render();
        toast(`${ACTION_LABELS[action] ?? action}: done. The incident is now ${stateLabel(incident!.state)}.`);
        (document.getElementById("incident-title") as HTMLElement | null)?.focus();
        if (announced > Number(done.version)) void load(UPDATED); // someone acted after us
      } catch (err) {
        submit.disabled = false;
        if (err instanceof ApiError && (err.status === 409 || err.status === 403)) {
          // Stale: the version moved on (409), or the state did, so the action is no longer
          // open to this user (403). Either way, show the incident as it now stands.
          const seen = Number(incident!.version);
          const stale = String(err.problem.type ?? "").endsWith("stale-version") ||
            (await currentVersion()) !== seen;
          if (stale || err.status === 409) {
            await load(stale
              ? "Someone else changed this incident after you opened it, so your action was not applied. The page now shows the current version: check it, then act again if still needed."
              : `Not applied: ${err.message}. The page now shows the incident as it stands.`);
            return;
          }
        }
        error.textContent = problemText(err);
      }
    });
    slot.replaceChildren(form);
    (form.querySelector("input, textarea, select") as HTMLElement | null)?.focus();
  }

  async function currentVersion(): Promise<number | null> {
    try {
      return Number((await getJson(`${API}/incidents/${encodeURIComponent(id)}`)).version);
    } catch {
      return null;
    }
  }

  // --- read-only sections ----------------------------------------------------------------

  function summarySection(i: Json): HTMLElement {
    const loc = i.location
      ? `${Number(i.location.lat).toFixed(5)}, ${Number(i.location.lon).toFixed(5)}${i.location.uncertainty_m ? ` (± ${Math.round(i.location.uncertainty_m)} m)` : ""}`
      : "not located";
    const due = parseTime(i.sla?.due_at);
    const overdue = Number(i.sla?.overdue_s ?? 0);
    const t0 = parseTime(i.time_from);
    const mapLink = i.location && t0 !== null
      ? h("a", { href: `#/map?day=${showDay(t0)}&incident=${encodeURIComponent(i.id)}` }, "Show on the map")
      : null;
    const rows: [string, Node | string][] = [
      ["Id", String(i.id)],
      ["Category", String(i.category ?? "–")],
      ["When", `${showTime(t0)} to ${showTime(parseTime(i.time_to))}`],
      ["Where", loc],
      ["Sector", String(i.sector ?? "–")],
      ["Responsible side", sideName(agreement, i.responsible_side)],
      ["Affected side", sideName(agreement, i.affected_side)],
      ["Grade", `${i.grade ?? "–"}: ${i.grade_reason ?? ""}`],
      ["Investigator", String(i.investigator ?? "none assigned")],
      ["Service level", overdue > 0
        ? h("span", { class: "sla late" }, `⚠ ${stateLabel(i.sla.stage)}: overdue by ${showDuration(overdue * 1000)}`)
        : due !== null ? `${stateLabel(i.sla.stage)}: due ${showTime(due)}` : "no target in this state"],
      ["Markings", markingsText(i.markings)],
    ];
    if (i.duplicate_of) rows.push(["Duplicate of", h("a", { href: `#/incident/${encodeURIComponent(i.duplicate_of)}` }, String(i.duplicate_of))]);
    return h("section", { "aria-labelledby": "summary-h" },
      h("h3", { id: "summary-h" }, "Summary"),
      h("dl", { class: "grid" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      mapLink ? h("p", {}, mapLink) : null);
  }

  function determinationSection(i: Json): HTMLElement | null {
    const d = i.determination;
    if (!d) return null;
    return h("section", { "aria-labelledby": "det-h" },
      h("h3", { id: "det-h" }, "Determination"),
      h("dl", { class: "grid" },
        h("dt", {}, "Outcome"), h("dd", {}, String(d.outcome).replace("_", " ")),
        h("dt", {}, "Responsible side"), h("dd", {}, sideName(agreement, d.responsible_side)),
        h("dt", {}, "Confidence"), h("dd", {}, String(d.confidence).replace("_", " ")),
        h("dt", {}, "Basis"), h("dd", {}, String(d.basis ?? "")),
        h("dt", {}, "Remedies"), h("dd", {}, (d.remedies ?? []).length ? h("ul", {}, d.remedies.map((r: string) => h("li", {}, r))) : "none")),
      (d.dissents ?? []).length
        ? h("div", {}, h("h4", {}, "Dissents"), h("ul", {}, d.dissents.map((x: Json) => h("li", {}, `${x.by ?? x.commissioner ?? "?"}: ${x.text}`))))
        : null);
  }

  function timelineSection(i: Json): HTMLElement {
    const steps: Json[] = i.timeline ?? [];
    return h("section", { "aria-labelledby": "tl-h" },
      h("h3", { id: "tl-h" }, `Timeline (${steps.length})`),
      h("ol", { class: "timeline" }, steps.map((d) => h("li", {},
        h("time", { datetime: d.at }, showTime(parseTime(d.at), true)), " ",
        h("strong", {}, String(d.action).replaceAll("_", " ")),
        ` by ${d.actor ?? d.by ?? "?"} (${d.role ?? "?"}): `,
        `${d.from_state ? stateLabel(d.from_state) : "new"} → ${stateLabel(String(d.to_state))}`,
        ` · version ${d.version}`,
        payloadText(d.payload)))));
  }

  function sourcesSection(i: Json): HTMLElement {
    const findings: Json[] = i.findings ?? [];
    const events: Json[] = i.events ?? [];
    const observations: Json[] = i.observations ?? [];
    const sources: Json[] = i.sources ?? [];
    const shown = new Set([...findings.map((f) => f.id), ...observations.map((o) => o.id)]);
    const hidden = sources.filter((s) => !shown.has(s.id));
    return h("section", { "aria-labelledby": "src-h" },
      h("h3", { id: "src-h" }, `Corroborating sources (${sources.length})`),
      findings.length ? h("div", {}, h("h4", {}, `Findings (${findings.length})`),
        h("table", {}, h("thead", {}, h("tr", {}, ["Rule", "Time", "Responsible → affected", "Basis", "Instrument"].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, findings.map((f) => h("tr", {},
            h("td", {}, String(f.rule).replaceAll("_", " "), f.grave ? h("span", { class: "badge grave" }, "grave") : null),
            h("td", {}, showTime(parseTime(f.time), true)),
            h("td", {}, `${f.responsible_side ?? "not attributed"} → ${f.affected_side ?? "–"}`),
            h("td", { class: "basis" }, String(f.basis ?? "")),
            h("td", { class: "small" }, String(f.instrument ?? "–"))))))) : null,
      events.length ? h("div", {}, h("h4", {}, `Located events (${events.length})`),
        h("ul", {}, events.map((e) => {
          const p = e.properties ?? {};
          const ee = p.error_ellipse;
          return h("li", {}, h("a", { href: `#/map?day=${showDay(parseTime(p.time) ?? Date.now())}&event=${encodeURIComponent(p.id)}` }, p.id),
            ` ${p.phase} (${p.weapon}) at ${showTime(parseTime(p.time), true)}, ${p.n_sensors} sensors`,
            ee ? `, 95 % ellipse ${ee.semi_major_m} × ${ee.semi_minor_m} m` : "");
        }))) : null,
      observations.length ? h("div", {}, h("h4", {}, `Reports and observations (${observations.length})`),
        h("ul", {}, observations.map((o) => h("li", {},
          h("strong", {}, `${String(o.type).replaceAll("_", " ")} ${o.id}`),
          ` by ${o.originator ?? "?"}, ${showTime(parseTime(o.time_from))}`,
          o.accused_side ? `, accuses ${o.accused_side}` : "",
          o.text ? h("blockquote", { lang: o.language ?? null }, String(o.text)) : null)))) : null,
      hidden.length ? h("p", { class: "muted" }, `${hidden.length} further source(s) listed but not shown: ${hidden.map((s) => `${s.kind} ${s.id}`).join(", ")}.`) : null);
  }

  function evidenceSection(i: Json): HTMLElement {
    const items: Json[] = i.evidence ?? [];
    return h("section", { "aria-labelledby": "ev-h" },
      h("h3", { id: "ev-h" }, `Evidence (${items.length})`),
      items.length ? h("table", {},
        h("thead", {}, h("tr", {}, ["File", "Type", "Size", "Uploaded", "SHA-256", ""].map((c) => h("th", { scope: "col" }, c || h("span", { class: "visually-hidden" }, "Open"))))),
        h("tbody", {}, items.map((e) => h("tr", { class: e.sensitive ? "sensitive" : "" },
          h("td", {}, e.sensitive ? h("span", {}, h("span", { class: "badge grave" }, "sensitive"), " ", String(e.filename)) : String(e.filename)),
          h("td", {}, String(e.media_type ?? "–")),
          h("td", {}, sizeText(Number(e.size ?? 0))),
          h("td", {}, `${showTime(parseTime(e.uploaded_at))} by ${e.uploaded_by ?? "?"}`),
          h("td", { class: "mono small" }, String(e.sha256).slice(0, 16) + "…"),
          h("td", {}, evidenceOpener(e))))))
        : h("p", { class: "muted" }, "No evidence is attached, or none is released to you."));
  }

  setChildren(root, h("div", { class: "page" }, h("p", { class: "status", role: "status" }, "Loading the incident…")));
  const stop = subscribe("incident", (update: Json) => {
    if (update?.id !== id || !incident || !(Number(update.version) > Number(incident.version))) return;
    announced = Math.max(announced, Number(update.version));
    if (loading) return; // the load under way reads again if what it gets is older
    if (root.querySelector("form.action-form")) {
      // Never wipe a form being filled in: say that it is now out of date, and why.
      warn(`Someone else changed this incident while your form was open (it is now version ${announced}). ` +
        "Submitting will not apply your action; cancel to see the new version.");
      return;
    }
    void load(UPDATED);
  });
  void load();
  return () => {
    disposed = true;
    stop();
  };
}

/** Sensitive items: a first click asks, a second (explicit) click opens and is logged. */
function evidenceOpener(e: Json): HTMLElement {
  const slot = h("span", {});
  const open = async (confirm: boolean): Promise<void> => {
    try {
      const res = await fetch(`${API}/evidence/${encodeURIComponent(e.sha256)}/content${confirm ? "?confirm=1" : ""}`, { headers: authHeaders() });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const url = URL.createObjectURL(await res.blob());
      const a = h("a", { href: url, download: String(e.filename), class: "download" }, `Download ${e.filename}`);
      slot.replaceChildren(a);
      a.focus();
    } catch (err) {
      toast(`The file could not be opened: ${err instanceof Error ? err.message : String(err)}`, "error");
    }
  };
  if (!e.sensitive) {
    slot.append(h("button", { type: "button", onclick: () => void open(false) }, "Open"));
    return slot;
  }
  const reveal = h("button", { type: "button", class: "reveal", "aria-label": `Show sensitive item ${e.filename}`, onclick: () => {
    slot.replaceChildren(
      h("span", { class: "warn-text" }, "Graphic or sensitive content. Opening it is recorded. "),
      h("button", { type: "button", class: "confirm-open", onclick: () => void open(true) }, "Open anyway"),
    );
    (slot.querySelector("button.confirm-open") as HTMLElement).focus();
  } }, "Show sensitive item…");
  slot.append(reveal);
  return slot;
}

function payloadText(payload: Json | null | undefined): Node | string {
  if (!payload) return "";
  const parts: string[] = [];
  for (const [k, v] of Object.entries(payload)) {
    if (v === null || v === false || v === "" || (Array.isArray(v) && !v.length)) continue;
    if (k === "determination" && typeof v === "object") {
      parts.push(`determination: ${v.outcome}, ${v.responsible_side ?? "no side"}, ${v.confidence}; basis: ${v.basis}`);
    } else {
      parts.push(`${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
    }
  }
  return parts.length ? h("div", { class: "payload" }, parts.join(" · ")) : "";
}

function markingsText(m: Json | null | undefined): string {
  if (!m) return "–";
  return [`releasable to ${(m.releasable_to ?? []).join(", ") || "–"}`, m.tlp ? `TLP:${m.tlp}` : "", m.originator_controlled ? "ORCON" : ""]
    .filter(Boolean).join(" · ");
}

function sizeText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function problemText(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err);
  const details = (err.problem.problems ?? []).map((p: Json) => `${p.field ?? ""} ${p.detail ?? ""}`.trim());
  return [err.message, ...details].join(" · ");
}
