/**
 * Pure request guards for web mode: token, Host (no DNS rebinding) and
 * Origin (no cross-site calls). Kept free of http objects so they are tested
 * as a table.
 */
import { timingSafeEqual } from 'node:crypto';

/**
 * Cookies are shared by every port of a host, so each server names its own:
 * two `paddock ui --web` at once must not overwrite each other's token.
 */
export function tokenCookieName(port: number): string {
  return `paddock_token_${port}`;
}
export const TOKEN_HEADER = 'x-paddock-token';

/** Hosts a browser may name to reach us: only loopback names, with our port. */
export function allowedHosts(listenHost: string, port: number): Set<string> {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  // If the user asked for another address, that one (and only it) is added.
  if (!['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::'].includes(listenHost)) {
    hosts.add(listenHost.includes(':') ? `[${listenHost}]:${port}` : `${listenHost}:${port}`);
  }
  return hosts;
}

export function hostAllowed(hostHeader: string | undefined, allowed: Set<string>): boolean {
  return typeof hostHeader === 'string' && allowed.has(hostHeader.toLowerCase());
}

/**
 * Origin must be one of our own http origins. A missing Origin is allowed for
 * non-browser clients (they still need the token); the literal "null" origin
 * (sandboxed frames, file://) is not.
 */
export function originAllowed(origin: string | undefined, allowed: Set<string>): boolean {
  if (origin === undefined) return true;
  for (const h of allowed) if (origin.toLowerCase() === `http://${h}`) return true;
  return false;
}

export function tokensEqual(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k && !(k in out)) {
      try {
        out[k] = decodeURIComponent(v);
      } catch {
        out[k] = v;
      }
    }
  }
  return out;
}

/** The token a request presents: header first, then cookie, then ?token=. */
export function presentedToken(headers: Record<string, string | string[] | undefined>, url: URL, cookieName: string): string | undefined {
  const h = headers[TOKEN_HEADER];
  if (typeof h === 'string') return h;
  const c = parseCookies(typeof headers.cookie === 'string' ? headers.cookie : undefined)[cookieName];
  if (c) return c;
  return url.searchParams.get('token') ?? undefined;
}
