// The HTTP API as the workspace uses it: the bearer token from the session, RFC 9457
// problems turned into ApiError, cursor paging, and which endpoints this server offers
// (read from its OpenAPI document, so the page degrades where an endpoint does not exist).

import { getToken } from "./session";

export const API = "/api/v1";

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Json,
  ) {
    super(String(problem.detail ?? problem.title ?? `HTTP ${status}`));
  }
}

/** Called on a 401 with a token: the token expired or was revoked. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export async function request(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...authHeaders() };
  let body: string | undefined;
  if (init.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(init.body);
  }
  const response = await fetch(path, { method: init.method ?? "GET", headers, body, signal: init.signal });
  if (!response.ok) {
    let problem: Json = { title: response.statusText, status: response.status };
    try {
      problem = await response.json();
    } catch {
      /* not JSON: keep the status line */
    }
    if (response.status === 401 && getToken() && onUnauthorized) onUnauthorized();
    throw new ApiError(response.status, problem);
  }
  return response;
}

export async function getJson<T = Json>(path: string, signal?: AbortSignal): Promise<T> {
  return (await request(path, { signal })).json() as Promise<T>;
}

/** GET that answers null for 404 (a record hidden from this principal, or not there). */
export async function getOptional<T = Json>(path: string): Promise<T | null> {
  try {
    return await getJson<T>(path);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export async function postJson<T = Json>(path: string, body: unknown): Promise<T> {
  return (await request(path, { method: "POST", body })).json() as Promise<T>;
}

export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

export interface ListResult<T> {
  items: T[];
  truncated: boolean;
  /** Events only: every fused event before this time is stored (RFC 3339), or null. */
  complete_to?: string | null;
}

/** Every item of a list endpoint, following `next` cursors, up to `max` items. */
export async function listAll<T = Json>(
  path: string,
  params: Record<string, string | number | null | undefined>,
  max = 20_000,
  signal?: AbortSignal,
): Promise<ListResult<T>> {
  const items: T[] = [];
  let cursor: string | null = null;
  let complete: string | null | undefined;
  for (;;) {
    const page: { items: T[]; next: string | null; complete_to?: string | null } = await getJson(
      `${path}${query({ ...params, limit: 1000, cursor })}`,
      signal,
    );
    items.push(...page.items);
    complete ??= page.complete_to;
    cursor = page.next;
    if (!cursor) return { items, truncated: false, complete_to: complete };
    if (items.length >= max) return { items, truncated: true, complete_to: complete };
  }
}

let paths: Set<string> | null = null;

/** The paths of this server's OpenAPI document (fetched once). */
export async function loadCapabilities(): Promise<void> {
  try {
    const spec = await getJson<{ paths: Json }>(`${API}/openapi.json`);
    paths = new Set(Object.keys(spec.paths ?? {}));
  } catch {
    paths = new Set();
  }
}

/** Whether the server offers `path` (e.g. "/api/v1/incidents"). */
export function has(path: string): boolean {
  return paths?.has(path) ?? false;
}
