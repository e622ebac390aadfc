/**
 * The API keys a browser tab is signed in with: kept in sessionStorage (gone when the tab closes,
 * never in a URL, never in localStorage), several at once so one can switch workspaces. Pure
 * functions over a minimal storage interface, so they are unit-tested without a browser.
 */
export interface KeyStorage {
  getItem(name: string): string | null;
  setItem(name: string, value: string): void;
  removeItem(name: string): void;
}

export interface StoredKey {
  key: string;
  workspaceId: string;
  workspaceName: string;
  apiKeyName: string;
}

export interface Session {
  keys: StoredKey[];
  /** The key in use (one of `keys`), undefined when signed out. */
  active?: string;
}

export const SESSION_ITEM = 'splitcast:session';

function isStoredKey(x: unknown): x is StoredKey {
  if (!x || typeof x !== 'object') return false;
  const k = x as Record<string, unknown>;
  return ['key', 'workspaceId', 'workspaceName', 'apiKeyName'].every((f) => typeof k[f] === 'string');
}

/** What storage holds, tolerating anything (an edited or older value reads as signed out). */
export function readSession(storage: KeyStorage): Session {
  let parsed: unknown;
  try {
    parsed = JSON.parse(storage.getItem(SESSION_ITEM) ?? 'null');
  } catch {
    return { keys: [] };
  }
  if (!parsed || typeof parsed !== 'object') return { keys: [] };
  const { keys, active } = parsed as { keys?: unknown; active?: unknown };
  const valid = Array.isArray(keys) ? keys.filter(isStoredKey) : [];
  const current = typeof active === 'string' && valid.some((k) => k.key === active) ? active : valid[0]?.key;
  return { keys: valid, active: current };
}

export function writeSession(storage: KeyStorage, session: Session): void {
  if (session.keys.length === 0) storage.removeItem(SESSION_ITEM);
  else storage.setItem(SESSION_ITEM, JSON.stringify(session));
}

/** Adds (or refreshes) a key and makes it the active one. */
export function addKey(session: Session, key: StoredKey): Session {
  return { keys: [...session.keys.filter((k) => k.key !== key.key), key], active: key.key };
}

/** Switches to a remembered key; an unknown key changes nothing. */
export function switchKey(session: Session, key: string): Session {
  return session.keys.some((k) => k.key === key) ? { ...session, active: key } : session;
}

/** Forgets a key; when it was active, the first remaining key (if any) takes over. */
export function removeKey(session: Session, key: string): Session {
  const keys = session.keys.filter((k) => k.key !== key);
  return { keys, active: session.active === key ? keys[0]?.key : session.active };
}

export function activeKey(session: Session): StoredKey | undefined {
  return session.keys.find((k) => k.key === session.active);
}

/** How a key is shown in the switcher: its workspace, then the key's own name. */
export function keyLabel(k: StoredKey): string {
  return `${k.workspaceName} (${k.apiKeyName})`;
}
