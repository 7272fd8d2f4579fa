/** The signed-in user of this browser tab, kept in sessionStorage so a reload stays signed in. */
export interface Session {
  token: string;
  user: { id: string; username: string; displayName: string };
}

const KEY = 'pulse.session';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}
