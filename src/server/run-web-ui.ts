/**
 * What `paddock ui --web` does: make sure the GUI is built (a checkout may not
 * have run `npm run build` yet), serve it on 127.0.0.1, print the tokened URL
 * and open the browser. The CLI keeps the process alive until Ctrl+C.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ApiHandlers } from '../shared/api.js';
import { EventBus } from '../core/events.js';
import { openBrowser } from './open-browser.js';
import { defaultRendererDir } from './static-files.js';
import { startWebServer, type WebServer } from './web-server.js';

export interface RunWebUiOptions {
  core: ApiHandlers;
  bus?: EventBus;
  host?: string;
  port?: number;
  /** Open the system browser (default true). */
  open?: boolean;
  print?: (line: string) => void;
  rendererDir?: string;
}

/** Builds dist/renderer with Vite when it is missing and Vite is installed (a source checkout). */
export async function ensureRendererBuilt(rendererDir: string, print: (line: string) => void): Promise<void> {
  if (existsSync(join(rendererDir, 'index.html'))) return;
  const root = dirname(dirname(rendererDir));
  if (!existsSync(join(root, 'vite.config.ts'))) return; // installed package without the GUI: the server says so
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    return;
  }
  print('Building the GUI once (vite build)…');
  await vite.build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'error', build: { outDir: rendererDir, emptyOutDir: true } });
}

export async function runWebUi(o: RunWebUiOptions): Promise<WebServer> {
  const print = o.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const rendererDir = o.rendererDir ?? defaultRendererDir();
  await ensureRendererBuilt(rendererDir, print);
  const srv = await startWebServer({ core: o.core, bus: o.bus ?? new EventBus(), host: o.host, port: o.port, rendererDir });
  print(`Paddock is at ${srv.url}`);
  print('This link carries a secret token: do not share it. Ctrl+C stops Paddock.');
  if (o.open !== false && !(await openBrowser(srv.url))) print('(Could not open a browser: open the link above yourself.)');
  return srv;
}
