// Small DOM helpers. Text always goes in through textContent, never innerHTML, so data from
// the API (titles, notes, basis sentences) can never inject markup.

type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;
type Child = Node | string | number | null | undefined | false;

/** Create an element: h("button", {type: "button", onclick: fn}, "Label"). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value as EventListener);
    } else if (key === "class") {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el: Element, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function setChildren(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A labelled form control: <label for=id>text</label> followed by the control. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (!control.id) control.id = uid("f");
  const hintEl = hint ? h("span", { class: "hint", id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control, hintEl);
}

/** A <select> with (value, label) options. */
export function select(
  options: [string, string][],
  attrs: Attrs = {},
  selected?: string,
): HTMLSelectElement {
  const el = h("select", attrs);
  for (const [value, text] of options) {
    const opt = h("option", { value }, text);
    if (value === selected) opt.selected = true;
    el.append(opt);
  }
  return el;
}

let counter = 0;
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Announce a message in the shared live region (screen readers) and show it briefly. */
export function toast(message: string, kind: "info" | "error" = "info"): void {
  const box = document.getElementById("toast");
  if (!box) return;
  box.className = `toast ${kind}`;
  box.textContent = message;
  window.clearTimeout(Number(box.dataset.timer ?? 0));
  box.dataset.timer = String(window.setTimeout(() => (box.textContent = ""), 8000));
}
