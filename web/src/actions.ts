// The workflow actions and the form for each one's payload (docs/incidents.md;
// truceline.incidents.requests). Only the actions the API lists in `allowed_actions` for
// this user and this incident get a button; the server checks again on every request.

import type { Agreement } from "./data";
import { field, h, select } from "./dom";
import type { Json } from "./api";

export const ACTION_LABELS: Record<string, string> = {
  triage: "Triage",
  assign: "Assign investigator",
  submit: "Submit for review",
  return: "Return to investigation",
  determine: "Determine",
  amend: "Amend determination",
  dissent: "Add dissent",
  publish: "Publish",
  archive: "Archive",
  mark_duplicate: "Mark as duplicate",
  receive: "Receive",
};

export const OUTCOMES = ["violation", "no_violation", "inconclusive"];
export const CONFIDENCES = ["high", "medium", "low", "not_attributable"];

export interface ActionForm {
  form: HTMLFormElement;
  /** The JSON payload (without `version`), or a message naming what is missing. */
  payload: () => Json | string;
}

function text(name: string, multiline = false, required = false, value = ""): HTMLInputElement | HTMLTextAreaElement {
  const el = multiline
    ? h("textarea", { name, rows: 3, required })
    : h("input", { type: "text", name, required, autocomplete: "off" });
  el.value = value;
  return el;
}

function note(): HTMLTextAreaElement {
  return text("note", true) as HTMLTextAreaElement;
}

function val(el: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement): string {
  return el.value.trim();
}

function determinationFields(agreement: Agreement | null, current: Json | null) {
  const outcome = select(OUTCOMES.map((o): [string, string] => [o, o.replace("_", " ")]), { name: "outcome" }, current?.outcome);
  const side = select(
    [["", "none (not attributed)"], ...(agreement?.sides ?? []).map((s): [string, string] => [s.code, `${s.code}: ${s.name}`])],
    { name: "responsible_side" },
    current?.responsible_side ?? "",
  );
  const confidence = select(CONFIDENCES.map((c): [string, string] => [c, c.replace("_", " ")]), { name: "confidence" }, current?.confidence);
  const basis = text("basis", true, true, current?.basis ?? "");
  const remedies = text("remedies", true, false, (current?.remedies ?? []).join("\n"));
  const nodes = [
    field("Outcome", outcome),
    field("Responsible side", side),
    field("Confidence", confidence),
    field("Basis (facts and reasoning a reader can check)", basis),
    field("Remedies (one per line)", remedies),
  ];
  const value = (): Json | string => {
    if (!val(basis)) return "The basis is required.";
    return {
      outcome: outcome.value,
      responsible_side: side.value || null,
      confidence: confidence.value,
      basis: val(basis),
      remedies: val(remedies).split("\n").map((r) => r.trim()).filter(Boolean),
    };
  };
  return { nodes, value };
}

/** The form for one action on `incident` (the incident view as the API returns it). */
export function actionForm(action: string, incident: Json, agreement: Agreement | null, me: string): ActionForm {
  const nodes: HTMLElement[] = [];
  let payload: () => Json | string = () => ({});
  const decision = incident.determination?.decision ?? null;
  switch (action) {
    case "triage": {
      const grave = h("input", { type: "checkbox", name: "grave", checked: !!incident.grave });
      const n = note();
      nodes.push(h("div", { class: "field checkbox" }, h("label", {}, grave, " Grave (raises the service level; never lowers it)")), field("Note", n));
      payload = () => ({ grave: grave.checked, note: val(n) || null });
      break;
    }
    case "assign": {
      const who = text("investigator", false, true, incident.investigator ?? me);
      const n = note();
      nodes.push(field("Investigator (principal name)", who, "A principal with the investigator role."), field("Note", n));
      payload = () => (val(who) ? { investigator: val(who), note: val(n) || null } : "Name the investigator.");
      break;
    }
    case "submit": {
      const summary = text("summary", true, true);
      nodes.push(field("Summary of the investigation", summary));
      payload = () => (val(summary) ? { summary: val(summary) } : "The summary is required.");
      break;
    }
    case "return": {
      const reason = text("reason", true, true);
      nodes.push(field("Why it goes back", reason));
      payload = () => (val(reason) ? { reason: val(reason) } : "Give the reason.");
      break;
    }
    case "determine": {
      const d = determinationFields(agreement, null);
      nodes.push(...d.nodes);
      payload = () => {
        const det = d.value();
        return typeof det === "string" ? det : { determination: det };
      };
      break;
    }
    case "amend": {
      const d = determinationFields(agreement, incident.determination);
      const reason = text("reason", true, true);
      nodes.push(...d.nodes, field("Reason for the amendment", reason));
      payload = () => {
        const det = d.value();
        if (typeof det === "string") return det;
        if (!val(reason)) return "Give the reason for the amendment.";
        return { amends: decision, determination: det, reason: val(reason) };
      };
      break;
    }
    case "dissent": {
      const t = text("text", true, true);
      nodes.push(field("Dissenting opinion", t));
      payload = () => (val(t) ? { refers_to: decision, text: val(t) } : "Write the dissent.");
      break;
    }
    case "mark_duplicate": {
      const of = text("duplicate_of", false, true);
      const n = note();
      nodes.push(field("Duplicate of (incident id)", of), field("Note", n));
      payload = () => (val(of) ? { duplicate_of: val(of), note: val(n) || null } : "Name the incident it duplicates.");
      break;
    }
    default: {
      const n = note();
      nodes.push(field("Note", n));
      payload = () => ({ note: val(n) || null });
    }
  }
  const form = h("form", { class: "action-form", "data-action": action, "aria-label": ACTION_LABELS[action] ?? action }, ...nodes);
  return { form, payload };
}
