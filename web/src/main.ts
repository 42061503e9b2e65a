// The workspace's shell: sign-in, the header (who is signed in, live status, sign out),
// and hash routes: #/map, #/queue, #/incident/<id>, #/stats, #/login.

import "./styles.css";

import { API, ApiError, getJson, loadCapabilities, setUnauthorizedHandler } from "./api";
import { field, h, setChildren } from "./dom";
import { mountIncident } from "./incident";
import { onStatus, resetLive, startLive, stopLive } from "./live";
import { mountMap } from "./mapview";
import { mountQueue } from "./queue";
import { PUBLIC, Principal, choosePublic, clearToken, getToken, isPublicChosen, setToken } from "./session";

const main = document.getElementById("main") as HTMLElement;
const who = document.getElementById("who") as HTMLElement;
const nav = document.getElementById("nav") as HTMLElement;
const liveEl = document.getElementById("live") as HTMLElement;
const signOut = document.getElementById("logout") as HTMLButtonElement;

let me: Principal | null = null;
let unmount: (() => void) | null = null;
let firstRoute = true;

window.truceline = { ...(window.truceline ?? {}) };

/** Who a token belongs to, asked before the token is kept (a refusal keeps nothing). */
async function whoamiWith(token: string): Promise<Principal> {
  const response = await fetch(`${API}/whoami`, {
    headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body);
  return body as Principal;
}

async function identify(): Promise<Principal | null> {
  if (getToken()) {
    try {
      return await getJson<Principal>(`${API}/whoami`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        clearToken();
        return null;
      }
      throw err;
    }
  }
  return isPublicChosen() ? PUBLIC : null;
}

function showPrincipal(): void {
  const signedIn = me !== null;
  nav.hidden = !signedIn;
  signOut.hidden = !signedIn;
  signOut.textContent = me === PUBLIC ? "Sign in" : "Sign out";
  if (!me) {
    who.textContent = "";
    return;
  }
  setChildren(who,
    h("span", { class: "who-name" }, me === PUBLIC ? "Public (not signed in)" : me.name),
    me === PUBLIC ? null : h("span", { class: "who-roles" },
      ` · ${me.nation} · ${me.roles.join(", ") || "no roles"}${me.side ? ` · side ${me.side}` : ""}`));
  window.truceline!.principal = me;
}

function logout(message?: string): void {
  clearToken();
  choosePublic(false);
  stopLive();
  resetLive();
  me = null;
  showPrincipal();
  location.hash = "#/login";
  route(message);
}

function loginView(message?: string): void {
  const token = h("input", { type: "password", id: "token", name: "token", autocomplete: "off", required: true, spellcheck: "false" });
  const error = h("p", { class: "form-error", role: "alert" }, message ?? "");
  const form = h("form", { class: "login", "aria-labelledby": "login-h" },
    h("h2", { id: "login-h" }, "Sign in"),
    h("p", {}, "Paste the API token you were given (", h("code", {}, "truceline principals add"), " prints it). It is kept only in this browser tab."),
    field("API token", token),
    error,
    h("div", { class: "buttons" },
      h("button", { type: "submit", class: "primary" }, "Sign in"),
      h("button", { type: "button", id: "as-public", onclick: () => {
        choosePublic(true);
        void start("#/map");
      } }, "Continue as the public")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = token.value.trim();
    if (!value) {
      error.textContent = "Enter a token.";
      return;
    }
    try {
      me = await whoamiWith(value);
    } catch (err) {
      error.textContent = err instanceof ApiError && err.status === 401
        ? "That token was not accepted (unknown, expired or revoked)."
        : err instanceof ApiError && err.status === 429
          ? "Too many failed attempts: wait a minute and try again."
          : `Sign-in failed: ${err instanceof Error ? err.message : String(err)}`;
      token.focus();
      return;
    }
    setToken(value);
    choosePublic(false);
    await start("#/map");
  });
  setChildren(main, h("div", { class: "page narrow" }, form));
}

async function start(target: string): Promise<void> {
  me ??= await identify();
  showPrincipal();
  if (me) startLive();
  if (location.hash === target) route();
  else location.hash = target;
}

function route(message?: string): void {
  unmount?.();
  unmount = null;
  const hash = location.hash.replace(/^#/, "") || "/map";
  const [path, search = ""] = hash.split("?");
  const params = new URLSearchParams(search);
  const parts = path.split("/").filter(Boolean);
  if (!me || parts[0] === "login") {
    if (me && parts[0] === "login" && me !== PUBLIC) {
      location.hash = "#/map";
      return;
    }
    loginView(message);
    markNav("");
    return;
  }
  switch (parts[0]) {
    case "queue":
      unmount = mountQueue(main, params);
      break;
    case "incident":
      unmount = mountIncident(main, decodeURIComponent(parts.slice(1).join("/")), me);
      break;
    case "stats": {
      // Chart.js is loaded only when the statistics are opened.
      let cleanup: (() => void) | null = null;
      let gone = false;
      void import("./stats").then((m) => {
        if (!gone) cleanup = m.mountStats(main, params);
      });
      unmount = () => {
        gone = true;
        cleanup?.();
      };
      break;
    }
    default:
      unmount = mountMap(main, params);
  }
  markNav(parts[0] === "incident" ? "queue" : parts[0] || "map");
  if (!firstRoute) focusHeading();
  firstRoute = false;
}

/** Move focus to the new page's heading (once it is drawn), so keyboard and screen-reader
 *  users start reading there; unless they have already moved on inside the page. */
function focusHeading(): void {
  main.focus();
  const tryFocus = (): boolean => {
    const heading = main.querySelector("h2") as HTMLElement | null;
    if (!heading) return false;
    const active = document.activeElement;
    if (active === document.body || active === main) {
      if (!heading.hasAttribute("tabindex")) heading.tabIndex = -1;
      heading.focus();
    }
    return true;
  };
  if (tryFocus()) return;
  const watch = new MutationObserver(() => {
    if (tryFocus()) watch.disconnect();
  });
  watch.observe(main, { childList: true, subtree: true });
  window.setTimeout(() => watch.disconnect(), 10_000);
}

function markNav(current: string): void {
  nav.querySelectorAll("a").forEach((a) => {
    if (a.dataset.view === current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
}

signOut.addEventListener("click", () => logout());
setUnauthorizedHandler(() => logout("Your session ended (the token expired or was revoked): sign in again."));
window.addEventListener("hashchange", () => route());
onStatus((s) => {
  liveEl.textContent = { unavailable: "", connecting: "Live: connecting…", live: "● Live", reconnecting: "Live: reconnecting…" }[s];
  liveEl.dataset.state = s;
});

void (async () => {
  await loadCapabilities();
  try {
    me = await identify();
  } catch {
    me = null;
  }
  showPrincipal();
  if (me) startLive();
  route();
})();
