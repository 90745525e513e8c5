/** Electron entry point: real Electron, real core, then runApp does the rest. */
import * as electron from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDefaultCore } from '../core/index.js';
import { EventBus } from '../core/events.js';
import { startWatchers } from '../core/watchers.js';
import { startSavedForwards } from '../core/saved-forwards.js';
import { dockerRuntime } from '../provisioner/runtime/docker.js';
import { defaultRendererDir } from '../server/static-files.js';
import { runApp } from './app.js';

const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = defaultRendererDir(here);
const root = dirname(dirname(rendererDir));
const assets = (name: string) => {
  const p = join(root, 'assets', name);
  return existsSync(p) ? p : join(process.resourcesPath ?? root, 'assets', name);
};

const bus = new EventBus();
// Docker events and kubeconfig changes drive the window and the tray live.
const stopWatching = startWatchers(dockerRuntime(), bus);
electron.app.on('will-quit', stopWatching);

const core = createDefaultCore({ bus });
electron.app.whenReady().then(() => startSavedForwards(core, (line) => console.log(`paddock: ${line}`)));

runApp(electron, {
  core,
  bus,
  rendererDir,
  preloadPath: join(here, '..', 'preload', 'index.cjs'),
  iconPath: assets('icon.png'),
  trayIconPath: assets(process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png'),
  argv: process.argv,
  platform: process.platform,
  dev: !electron.app.isPackaged,
});
