/**
 * app://paddock/… serves the built renderer with our CSP, instead of file://
 * (which would give the page the whole disk as its origin).
 */
import { readStatic } from '../server/static-files.js';
import { APP_HOST, APP_SCHEME, DESKTOP_CSP } from './security.js';

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

export async function answerAppRequest(rendererDir: string, url: string): Promise<AppResponse> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'bad url' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' };
  const file = await readStatic(rendererDir, u.pathname);
  if (!file) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' };
  return {
    status: 200,
    headers: { 'content-type': file.type, 'content-security-policy': DESKTOP_CSP, 'x-content-type-options': 'nosniff' },
    body: file.body,
  };
}
