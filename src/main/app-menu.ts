/** The application menu as data (pure), like the tray menu. */
export type AppMenuAction = 'open' | 'toggleStartAtLogin' | 'newCluster' | 'quit' | 'reload' | 'toggleDevTools';

export interface AppMenuItem {
  label?: string;
  role?: 'about' | 'hide' | 'hideOthers' | 'unhide' | 'undo' | 'redo' | 'cut' | 'copy' | 'paste' | 'selectAll' | 'minimize' | 'close' | 'togglefullscreen' | 'resetZoom' | 'zoomIn' | 'zoomOut';
  type?: 'separator' | 'checkbox' | 'submenu';
  accelerator?: string;
  checked?: boolean;
  action?: AppMenuAction;
  submenu?: AppMenuItem[];
}

export function buildAppMenu(o: { platform: NodeJS.Platform; startAtLogin: boolean; dev: boolean }): AppMenuItem[] {
  const mac = o.platform === 'darwin';
  const loginItem: AppMenuItem = { label: 'Start Paddock at Login', type: 'checkbox', checked: o.startAtLogin, action: 'toggleStartAtLogin' };
  const quit: AppMenuItem = { label: 'Quit Paddock', accelerator: 'CmdOrCtrl+Q', action: 'quit' };
  const file: AppMenuItem = {
    label: mac ? 'Paddock' : 'File',
    type: 'submenu',
    submenu: [
      ...(mac ? [{ role: 'about' as const }, { type: 'separator' as const }] : []),
      { label: 'New Cluster…', accelerator: 'CmdOrCtrl+N', action: 'newCluster' },
      { type: 'separator' },
      loginItem,
      { type: 'separator' },
      ...(mac ? [{ role: 'hide' as const }, { role: 'hideOthers' as const }, { role: 'unhide' as const }, { type: 'separator' as const }] : []),
      { role: 'close', label: 'Close Window' },
      quit,
    ],
  };
  const edit: AppMenuItem = {
    label: 'Edit',
    type: 'submenu',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  };
  const view: AppMenuItem = {
    label: 'View',
    type: 'submenu',
    submenu: [
      { label: 'Reload', accelerator: 'CmdOrCtrl+R', action: 'reload' },
      ...(o.dev ? [{ label: 'Toggle Developer Tools', accelerator: 'Alt+CmdOrCtrl+I', action: 'toggleDevTools' as const }] : []),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const window: AppMenuItem = { label: 'Window', type: 'submenu', submenu: [{ role: 'minimize' }, { label: 'Open Paddock', action: 'open' }] };
  return [file, edit, view, window];
}
