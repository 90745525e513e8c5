/**
 * UI-tier harness: builds the renderer once into a temp folder, starts web
 * mode with a core whose data directory and kubeconfig live in a temp folder
 * (never the user's), and opens Chromium pages on it.
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { ApiHandlers } from '../../src/shared/api.js';
import { EventBus } from '../../src/core/events.js';
import { startWebServer, type WebServer } from '../../src/server/index.js';

export const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const SHOTS = join(REPO, 'test', 'ui', 'screenshots');

let built: string | undefined;

export async function buildRenderer(): Promise<string> {
  if (built && existsSync(join(built, 'index.html'))) return built;
  const out = mkdtempSync(join(tmpdir(), 'paddock-renderer-'));
  const { build } = await import('vite');
  await build({ root: REPO, configFile: join(REPO, 'vite.config.ts'), logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
  built = out;
  return out;
}

/** Points Paddock's data directory and KUBECONFIG at a fresh temp folder. */
export function isolateHome(): { home: string; restore(): void } {
  const home = mkdtempSync(join(tmpdir(), 'paddock-ui-home-'));
  const saved = { PADDOCK_HOME: process.env.PADDOCK_HOME, KUBECONFIG: process.env.KUBECONFIG };
  process.env.PADDOCK_HOME = join(home, 'paddock');
  process.env.KUBECONFIG = join(home, 'kubeconfig');
  return {
    home,
    restore() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function serve(core: ApiHandlers, bus = new EventBus()): Promise<{ srv: WebServer; bus: EventBus; origin: string }> {
  const rendererDir = await buildRenderer();
  const srv = await startWebServer({ core, bus, rendererDir });
  return { srv, bus, origin: new URL(srv.url).origin };
}

/** Runs axe-core in the page (evaluated over CDP, so the page's CSP stays on). */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string; help: string; nodes: number }[]> {
  const require = createRequire(import.meta.url);
  const { readFileSync } = await import('node:fs');
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length })))`)) as {
    id: string;
    impact: string;
    help: string;
    nodes: number;
  }[];
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
