// Local mode has no login: the owner id is kept in localStorage ("local-user" by default).

const KEY = "orchestrix.ownerId";
export const DEFAULT_OWNER = "local-user";

export function getOwnerId(): string {
  try {
    return window.localStorage.getItem(KEY) || DEFAULT_OWNER;
  } catch {
    return DEFAULT_OWNER;
  }
}

export function setOwnerId(owner: string): void {
  try {
    window.localStorage.setItem(KEY, owner.trim() || DEFAULT_OWNER);
  } catch {
    // Storage can be disabled (private mode); the default owner is used then.
  }
}
