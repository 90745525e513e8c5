/**
 * The window's guard rails, as pure functions and small installers that take
 * the Electron objects they need (so tests run without the Electron binary).
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'paddock';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** CSP of the desktop renderer: no remote code, no network, no eval. */
export const DESKTOP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Mantine writes its CSS variables in a <style> element.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export interface SecureWebPreferences {
  preload: string;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  navigateOnDragDrop: false;
  spellcheck: false;
}

export function secureWebPreferences(preload: string): SecureWebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/** Only our own app:// pages are trusted (IPC senders, navigation targets). */
export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Links the user may open in their own browser: forwards on loopback, https docs. */
export function isExternalAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === 'https:') return true;
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

interface NavEvent {
  preventDefault(): void;
  /** Electron ≥ 25 puts the target on the event; the second argument is deprecated. */
  url?: string;
}

export interface ContentsLike {
  on(event: 'will-navigate' | 'will-redirect', l: (e: NavEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', l: (e: NavEvent) => void): unknown;
  setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' }): void;
}

/** Blocks navigation away from the app and every new window; safe links go to the system browser. */
export function hardenContents(contents: ContentsLike, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (e: NavEvent, url: string) => {
    const target = e.url ?? url;
    if (!isAppUrl(target)) {
      e.preventDefault();
      if (isExternalAllowed(target)) openExternal(target);
    }
  });
  contents.on('will-redirect', (e: NavEvent, url: string) => {
    if (!isAppUrl(e.url ?? url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e: NavEvent) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalAllowed(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/** Permissions the renderer may get: writing to the clipboard (copy buttons), nothing else. */
export function permissionAllowed(permission: string): boolean {
  return permission === 'clipboard-sanitized-write';
}
