/**
 * Electron main, thin: one window, single-instance lock, menus, tray,
 * notifications, start at login. The Electron API object is passed in, so
 * tests drive this with a fake and no Electron binary.
 */
import type * as Electron from 'electron';
import type { ApiHandlers, ClusterSummary } from '../shared/api.js';
import type { EventBus } from '../core/events.js';
import { createDispatcher, type Dispatcher } from '../server/dispatch.js';
import { answerAppRequest } from './app-protocol.js';
import { buildAppMenu, type AppMenuAction, type AppMenuItem } from './app-menu.js';
import { getStartAtLogin, setStartAtLogin } from './autostart.js';
import { registerIpc } from './ipc.js';
import { jobNotification } from './notifications.js';
import { quitPrompt } from './quit.js';
import { APP_SCHEME, APP_URL, hardenContents, permissionAllowed, secureWebPreferences } from './security.js';
import { TrayController } from './tray/index.js';
import type { TrayAction } from './tray/build-tray-menu.js';

export type ElectronApi = Pick<
  typeof Electron,
  'app' | 'BrowserWindow' | 'ipcMain' | 'Menu' | 'Tray' | 'Notification' | 'dialog' | 'shell' | 'nativeImage' | 'protocol' | 'session'
>;

export interface AppDeps {
  core: ApiHandlers;
  bus: EventBus;
  rendererDir: string;
  preloadPath: string;
  iconPath: string;
  trayIconPath: string;
  argv: string[];
  platform: NodeJS.Platform;
  dev?: boolean;
}

export interface RunningApp {
  dispatcher: Dispatcher;
  showWindow(path?: string): void;
  requestQuit(): Promise<void>;
}

function toElectronMenu(items: AppMenuItem[], on: (a: AppMenuAction) => void): Electron.MenuItemConstructorOptions[] {
  return items.map((i) => {
    const o: Electron.MenuItemConstructorOptions = {};
    if (i.label) o.label = i.label;
    if (i.role) o.role = i.role;
    if (i.type) o.type = i.type;
    if (i.accelerator) o.accelerator = i.accelerator;
    if (i.checked !== undefined) o.checked = i.checked;
    if (i.submenu) o.submenu = toElectronMenu(i.submenu, on);
    const a = i.action;
    if (a) o.click = () => on(a);
    return o;
  });
}

export function runApp(electron: ElectronApi, deps: AppDeps): RunningApp | undefined {
  const { app, BrowserWindow, ipcMain, Menu, Tray, Notification, dialog, shell, nativeImage, protocol, session } = electron;
  if (!app.requestSingleInstanceLock()) {
    // Another Paddock runs: it shows its window (second-instance) and we leave.
    app.quit();
    return undefined;
  }
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

  const dispatcher = createDispatcher({ core: deps.core, bus: deps.bus });
  let win: Electron.BrowserWindow | undefined;
  let tray: TrayController | undefined;
  let quitting = false;

  function createWindow(): Electron.BrowserWindow {
    const w = new BrowserWindow({
      width: 1200,
      height: 800,
      minWidth: 820,
      minHeight: 560,
      show: false,
      title: 'Paddock',
      icon: deps.iconPath,
      webPreferences: secureWebPreferences(deps.preloadPath),
    });
    w.once('ready-to-show', () => w.show());
    // Closing the window frees the renderer; Paddock stays in the tray.
    w.on('closed', () => {
      if (win === w) win = undefined;
    });
    void w.loadURL(APP_URL);
    return w;
  }

  function showWindow(path?: string): void {
    if (!win || win.isDestroyed()) win = createWindow();
    if (path) void win.loadURL(`${APP_URL}#${path}`);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  const startAtLogin = () => getStartAtLogin(deps.platform, app);
  const toggleStartAtLogin = () => {
    setStartAtLogin(deps.platform, app, !startAtLogin(), app.getPath('exe'));
    setAppMenu();
    void tray?.refresh();
  };

  async function requestQuit(): Promise<void> {
    const listed = await dispatcher.invoke('listClusters', {});
    const clusters = 'result' in listed ? (listed.result as { clusters: ClusterSummary[] }).clusters : [];
    const prompt = quitPrompt(clusters);
    if (prompt) {
      const { choices, ...options } = prompt;
      const { response } = await dialog.showMessageBox(options);
      const choice = choices[response] ?? 'cancel';
      if (choice === 'cancel') return;
      if (choice === 'stop-and-quit') {
        for (const c of clusters.filter((x) => x.status !== 'stopped' && x.status !== 'broken')) {
          await dispatcher.invoke('stopCluster', { name: c.name });
        }
      }
    }
    // Forwards end with the app: their listeners and the rules of the direct path in the nodes go too.
    await dispatcher.invoke('stopAllForwards', {});
    quitting = true;
    app.quit();
  }

  function onMenuAction(a: AppMenuAction): void {
    switch (a) {
      case 'open':
        return showWindow();
      case 'newCluster':
        return showWindow('/clusters/new');
      case 'toggleStartAtLogin':
        return toggleStartAtLogin();
      case 'quit':
        return void requestQuit();
      case 'reload':
        return win?.webContents.reload();
      case 'toggleDevTools':
        return win?.webContents.toggleDevTools();
    }
  }

  function setAppMenu(): void {
    const items = buildAppMenu({ platform: deps.platform, startAtLogin: startAtLogin(), dev: !!deps.dev });
    Menu.setApplicationMenu(Menu.buildFromTemplate(toElectronMenu(items, onMenuAction)));
  }

  function onTrayAction(a: TrayAction): void {
    switch (a.kind) {
      case 'open':
        return showWindow(a.path);
      case 'quit':
        return void requestQuit();
      case 'toggleStartAtLogin':
        return toggleStartAtLogin();
      case 'useContext':
        return void dispatcher.invoke('useContext', { name: a.name });
      case 'startForward':
      case 'stopForward':
        return void dispatcher.invoke(a.kind, { id: a.id });
      default:
        return void dispatcher.invoke(a.kind, { name: a.name });
    }
  }

  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());
  // Stay in the tray when the last window closes.
  app.on('window-all-closed', () => {});
  app.on('before-quit', (e) => {
    // Cmd+Q / OS shutdown paths come here without our question: ask once.
    if (!quitting) {
      e.preventDefault();
      void requestQuit();
    }
  });
  app.on('web-contents-created', (_e, contents) => hardenContents(contents, (url) => void shell.openExternal(url)));

  void app.whenReady().then(async () => {
    protocol.handle(APP_SCHEME, async (req) => {
      const r = await answerAppRequest(deps.rendererDir, req.url);
      return new Response(typeof r.body === 'string' ? r.body : new Uint8Array(r.body), { status: r.status, headers: r.headers });
    });
    session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(permissionAllowed(permission)));
    session.defaultSession.setPermissionCheckHandler((_wc, permission) => permissionAllowed(permission));
    registerIpc(ipcMain, dispatcher, deps.bus);
    setAppMenu();

    deps.bus.subscribe((e) => {
      if (e.type !== 'job.changed') return;
      const n = jobNotification(e.job);
      if (!n || !Notification.isSupported() || win?.isFocused()) return;
      const note = new Notification({ title: n.title, body: n.body, icon: deps.iconPath });
      note.on('click', () => showWindow(`/jobs/${e.job.opId}`));
      note.show();
    });

    tray = new TrayController({
      dispatcher,
      bus: deps.bus,
      createTray: () => new Tray(nativeImage.createFromPath(deps.trayIconPath)),
      buildMenu: (t) => Menu.buildFromTemplate(t),
      getStartAtLogin: startAtLogin,
      onAction: onTrayAction,
      openOnClick: deps.platform === 'win32',
    });
    await tray.start();
    if (!deps.argv.includes('--hidden')) showWindow();
  });

  return { dispatcher, showWindow, requestQuit };
}
