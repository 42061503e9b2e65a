// The signed-in principal. The token lives in sessionStorage: it survives a reload of the
// tab but not the closing of the browser, and other tabs do not share it.

const KEY = "truceline.token";

export interface Principal {
  name: string;
  nation: string;
  roles: string[];
  side: string | null;
  releasable_tokens?: string[];
}

export const PUBLIC: Principal = { name: "public", nation: "PUBLIC", roles: [], side: null };

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

/** Marker for "continue as the public", so a reload does not ask for a token again. */
const PUBLIC_KEY = "truceline.public";
export function choosePublic(on: boolean): void {
  if (on) sessionStorage.setItem(PUBLIC_KEY, "1");
  else sessionStorage.removeItem(PUBLIC_KEY);
}
export function isPublicChosen(): boolean {
  return sessionStorage.getItem(PUBLIC_KEY) === "1";
}
