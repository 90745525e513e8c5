// runApp driven by a fake Electron object: the wiring, without the binary.
import { describe, expect, it } from 'vitest';
import { createCore } from '../core/index.js';
import { EventBus } from '../core/events.js';
import { opNames } from '../shared/api.js';
import { runApp, type AppDeps, type ElectronApi } from './app.js';
import { APP_URL, APP_SCHEME } from './security.js';

function fakeElectron(opts: { lock?: boolean } = {}) {
  const log: string[] = [];
  const appHandlers: Record<string, (...a: unknown[]) => void> = {};
  const windows: FakeWindow[] = [];
  const ipcHandlers = new Set<string>();
  let menu: unknown;
  let ready!: () => void;
  const whenReady = new Promise<void>((r) => (ready = r));
  class FakeWindow {
    urls: string[] = [];
    shown = 0;
    handlers: Record<string, () => void> = {};
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      windows.push(this);
    }
    once(ev: string, l: () => void) {
      this.handlers[ev] = l;
    }
    on(ev: string, l: () => void) {
      this.handlers[ev] = l;
    }
    loadURL(u: string) {
      this.urls.push(u);
      return Promise.resolve();
    }
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    show() {
      this.shown++;
    }
    focus() {}
    isFocused() {
      return false;
    }
  }
  const electron = {
    app: {
      requestSingleInstanceLock: () => opts.lock ?? true,
      quit: () => log.push('quit'),
      on: (ev: string, l: (...a: unknown[]) => void) => void (appHandlers[ev] = l),
      whenReady: () => whenReady,
      getLoginItemSettings: () => ({ openAtLogin: false }),
      setLoginItemSettings: () => {},
      getPath: () => '/exe',
    },
    protocol: {
      registerSchemesAsPrivileged: (s: { scheme: string }[]) => log.push(`scheme:${s[0]!.scheme}`),
      handle: (scheme: string) => log.push(`handle:${scheme}`),
    },
    session: { defaultSession: { setPermissionRequestHandler: () => log.push('perm-request'), setPermissionCheckHandler: () => log.push('perm-check') } },
    ipcMain: { handle: (c: string) => ipcHandlers.add(c), removeHandler: () => {}, on: () => {}, removeListener: () => {} },
    Menu: { setApplicationMenu: (m: unknown) => (menu = m), buildFromTemplate: (t: unknown) => t },
    Tray: class {
      setContextMenu() {}
      setToolTip() {}
      destroy() {}
    },
    nativeImage: { createFromPath: (p: string) => p },
    Notification: { isSupported: () => false },
    dialog: { showMessageBox: async () => ({ response: 2 }) },
    shell: { openExternal: async () => {} },
    BrowserWindow: FakeWindow,
  };
  return { electron: electron as unknown as ElectronApi, log, appHandlers, windows, ipcHandlers, ready, menu: () => menu };
}

const deps = (argv: string[] = []): AppDeps => ({
  core: createCore(),
  bus: new EventBus(),
  rendererDir: '/nowhere',
  preloadPath: '/p/index.cjs',
  iconPath: '/i.png',
  trayIconPath: '/t.png',
  argv,
  platform: 'linux',
});

describe('runApp', () => {
  it('leaves at once when another Paddock holds the single-instance lock', () => {
    const f = fakeElectron({ lock: false });
    expect(runApp(f.electron, deps())).toBeUndefined();
    expect(f.log).toEqual(['quit']);
  });

  it('registers app://, guards, IPC for every op, menu, tray, and one secure window', async () => {
    const f = fakeElectron();
    const running = runApp(f.electron, deps())!;
    expect(f.log).toEqual([`scheme:${APP_SCHEME}`]);
    f.ready();
    await new Promise((r) => setTimeout(r, 20));
    expect(f.log).toEqual([`scheme:${APP_SCHEME}`, `handle:${APP_SCHEME}`, 'perm-request', 'perm-check']);
    expect(f.ipcHandlers.size).toBe(opNames.length);
    expect(f.menu()).toBeDefined();
    expect(f.windows.length).toBe(1);
    const w = f.windows[0]!;
    expect(w.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: '/p/index.cjs' });
    expect(w.urls).toEqual([APP_URL]);
    // A second launch focuses the same window instead of opening another.
    f.appHandlers['second-instance']!();
    expect(f.windows.length).toBe(1);
    running.showWindow('/clusters/new');
    expect(w.urls.at(-1)).toBe(`${APP_URL}#/clusters/new`);
    // Closing the last window keeps Paddock in the tray.
    f.appHandlers['window-all-closed']!();
    expect(f.log).not.toContain('quit');
  });

  it('starts hidden in the tray with --hidden (start at login)', async () => {
    const f = fakeElectron();
    runApp(f.electron, deps(['--hidden']));
    f.ready();
    await new Promise((r) => setTimeout(r, 20));
    expect(f.windows.length).toBe(0);
  });

  it('quits without asking when no cluster runs, stopping the forwards it runs first', async () => {
    const f = fakeElectron();
    const calls: string[] = [];
    const d = deps();
    d.core = createCore({
      listClusters: async () => ({ clusters: [] }),
      stopAllForwards: async () => {
        calls.push('stopAllForwards');
        return { forwards: [] };
      },
    });
    const running = runApp(f.electron, d)!;
    await running.requestQuit();
    expect(calls).toEqual(['stopAllForwards']);
    expect(f.log).toContain('quit');
  });
});
