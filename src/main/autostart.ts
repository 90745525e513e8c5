/**
 * Start at login. macOS and Windows keep it in the OS (app.setLoginItemSettings,
 * the OS is the truth); Linux has no such API, so an XDG autostart entry
 * (~/.config/autostart/paddock.desktop) is written or removed.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface LoginItemApi {
  getLoginItemSettings(): { openAtLogin: boolean };
  setLoginItemSettings(s: { openAtLogin: boolean; openAsHidden?: boolean; args?: string[] }): void;
}

export function autostartFile(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'autostart', 'paddock.desktop');
}

/** Quotes an Exec= argument per the Desktop Entry spec (no shell involved). */
export function desktopExecArg(arg: string): string {
  if (/^[A-Za-z0-9_./-]+$/.test(arg)) return arg;
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
}

export function autostartEntry(execPath: string, args: string[] = ['--hidden']): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Paddock',
    'Comment=Local Kubernetes clusters',
    `Exec=${[execPath, ...args].map(desktopExecArg).join(' ')}`,
    'X-GNOME-Autostart-enabled=true',
    'NoDisplay=false',
    '',
  ].join('\n');
}

export function getStartAtLogin(platform: NodeJS.Platform, app: LoginItemApi, file = autostartFile()): boolean {
  if (platform === 'linux') return existsSync(file);
  return app.getLoginItemSettings().openAtLogin;
}

export function setStartAtLogin(platform: NodeJS.Platform, app: LoginItemApi, on: boolean, execPath: string, file = autostartFile()): void {
  if (platform === 'linux') {
    if (on) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, autostartEntry(execPath), { mode: 0o644 });
    } else {
      rmSync(file, { force: true });
    }
    return;
  }
  app.setLoginItemSettings({ openAtLogin: on, openAsHidden: true, args: ['--hidden'] });
}
