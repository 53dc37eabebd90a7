// Who the page speaks for. Local mode (ORCHESTRIX_AUTH=none): an owner id kept in localStorage.
// Token mode (ORCHESTRIX_AUTH=tokens): an API token pasted once per tab, kept in sessionStorage
// (gone when the tab closes); the API takes the owner from the token.

import { useSyncExternalStore } from "react";

const TOKEN_KEY = "orchestrix.token";
const listeners = new Set<() => void>();

export type AuthMode = "none" | "tokens";

export function authMode(): AuthMode {
  const value = document.querySelector<HTMLMetaElement>('meta[name="orchestrix-auth"]')?.content;
  return value === "tokens" ? "tokens" : "none";
}

export function getToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY) || null;
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token?.trim()) window.sessionStorage.setItem(TOKEN_KEY, token.trim());
    else window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token lasts until the page reloads (kept by the listeners' render).
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The token of this tab, re-rendering when it is set or cleared. */
export function useToken(): string | null {
  return useSyncExternalStore(subscribe, getToken, () => null);
}
