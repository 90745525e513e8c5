// The real core with no Docker engine answering (DOCKER_HOST at a socket
// nobody serves): the GUI must say "Docker is not running" and how to fix it.
// Its own file, so the core's Docker client is created with that DOCKER_HOST.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebServer } from '../../src/server/index.js';
import { chromiumMissingReason, launchChromium, type LaunchedBrowser } from './browser.js';
import { isolateHome, serve, SHOTS } from './harness.js';

const missing = chromiumMissingReason();
if (missing) console.warn(`\n[ui tier] SKIPPED: ${missing}\n`);

describe.skipIf(!!missing)('GUI when Docker is down', () => {
  let env: ReturnType<typeof isolateHome>;
  let srv: WebServer;
  let origin: string;
  let browser: LaunchedBrowser;
  const saved = process.env.DOCKER_HOST;

  beforeAll(async () => {
    env = isolateHome();
    mkdirSync(SHOTS, { recursive: true });
    process.env.DOCKER_HOST = `unix://${join(env.home, 'no-docker.sock')}`;
    const { createDefaultCore } = await import('../../src/core/index.js');
    ({ srv, origin } = await serve(createDefaultCore()));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await srv?.close();
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
    env?.restore();
  });

  it('says Docker is not running, with what to do, on the clusters and node images screens', async () => {
    const page = await browser.context.newPage();
    await page.goto(srv.url);
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    const text = (await alert.innerText()).toLowerCase();
    expect(text).toContain('docker is not running');
    expect(text).toContain('what to do');
    await page.screenshot({ path: join(SHOTS, 'docker-down-light.png'), fullPage: true });
    await page.goto(`${origin}/#/images`);
    await page.getByRole('alert').first().waitFor();
    expect((await page.getByRole('alert').first().innerText()).toLowerCase()).toContain('docker');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SHOTS, 'docker-down-images-dark.png'), fullPage: true });
    await page.close();
  });
});
