/**
 * The live tray: reads clusters, contexts and forwards through the same
 * dispatcher as the window, re-renders on bus events (coalesced) and every
 * minute (Docker can change behind our back), and turns menu actions into
 * calls. Everything that decides what the menu says is in build-tray-menu.ts.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { EventBus } from '../../core/events.js';
import type { Dispatcher, Envelope } from '../../server/dispatch.js';
import { buildTrayMenu, trayIconState, trayTooltip, type Loaded, type TrayAction, type TrayIconState, type TrayItem, type TrayState } from './build-tray-menu.js';

export function toElectronTemplate(items: TrayItem[], onAction: (a: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((i) => {
    const o: MenuItemConstructorOptions = {};
    if (i.label !== undefined) o.label = i.label;
    if (i.type) o.type = i.type;
    if (i.enabled !== undefined) o.enabled = i.enabled;
    if (i.checked !== undefined) o.checked = i.checked;
    if (i.toolTip) o.toolTip = i.toolTip;
    if (i.submenu) o.submenu = toElectronTemplate(i.submenu, onAction);
    const action = i.action;
    if (action) o.click = () => onAction(action);
    return o;
  });
}

function loaded<T, R>(env: Envelope, pick: (r: R) => T): Loaded<T> {
  if ('error' in env) {
    const e = env.error;
    return { ok: false, error: e.code === 'NOT_IMPLEMENTED' ? 'Not available yet' : e.code === 'DOCKER_UNREACHABLE' ? 'Docker is not running' : e.message };
  }
  return { ok: true, value: pick(env.result as R) };
}

export interface TrayLike {
  setContextMenu(menu: unknown): void;
  setToolTip(t: string): void;
  setImage?(img: unknown): void;
  on?(event: 'click', l: () => void): unknown;
  destroy(): void;
}

export interface TrayControllerDeps {
  dispatcher: Dispatcher;
  bus: EventBus;
  createTray(): TrayLike;
  buildMenu(template: MenuItemConstructorOptions[]): unknown;
  /** Icon per state; optional (a badge where the platform can show one). */
  iconFor?(state: TrayIconState): unknown;
  getStartAtLogin(): boolean;
  onAction(a: TrayAction): void;
  refreshEveryMs?: number;
  /** Windows users expect a click on the tray icon to open the window. */
  openOnClick?: boolean;
}

export class TrayController {
  private tray?: TrayLike;
  private state: TrayState = {
    clusters: { ok: false, error: 'Loading…' },
    contexts: { ok: false, error: 'Loading…' },
    forwards: { ok: true, value: [] },
    jobs: [],
    startAtLogin: false,
  };
  private timer?: ReturnType<typeof setTimeout>;
  private interval?: ReturnType<typeof setInterval>;
  private off?: () => void;
  private lastIcon?: TrayIconState;

  constructor(private readonly deps: TrayControllerDeps) {}

  async start(): Promise<void> {
    this.tray = this.deps.createTray();
    if (this.deps.openOnClick) this.tray.on?.('click', () => this.deps.onAction({ kind: 'open' }));
    this.off = this.deps.bus.subscribe((e) => {
      if (e.type === 'job.changed') {
        this.state = { ...this.state, jobs: this.deps.dispatcher.jobs.list() };
        this.render();
        if (e.job.state !== 'running') this.schedule();
      } else if (e.type !== 'progress') {
        this.schedule();
      }
    });
    this.interval = setInterval(() => void this.refresh(), this.deps.refreshEveryMs ?? 60_000);
    this.interval.unref?.();
    await this.refresh();
  }

  schedule(delayMs = 200): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, delayMs);
  }

  async refresh(): Promise<void> {
    const d = this.deps.dispatcher;
    const [clusters, contexts, forwards] = await Promise.all([d.invoke('listClusters', {}), d.invoke('listContexts', {}), d.invoke('listForwards', {})]);
    this.state = {
      clusters: loaded(clusters, (r: { clusters: TrayState['clusters'] extends Loaded<infer T> ? T : never }) => r.clusters),
      contexts: loaded(contexts, (r: { contexts: never[]; currentContext?: string }) => ({ contexts: r.contexts, current: r.currentContext })),
      forwards: loaded(forwards, (r: { forwards: never[] }) => r.forwards),
      jobs: d.jobs.list(),
      startAtLogin: this.deps.getStartAtLogin(),
    };
    this.render();
  }

  current(): TrayState {
    return this.state;
  }

  render(): void {
    if (!this.tray) return;
    this.tray.setContextMenu(this.deps.buildMenu(toElectronTemplate(buildTrayMenu(this.state), this.deps.onAction)));
    this.tray.setToolTip(trayTooltip(this.state));
    const icon = trayIconState(this.state);
    if (icon !== this.lastIcon && this.deps.iconFor && this.tray.setImage) {
      this.tray.setImage(this.deps.iconFor(icon));
      this.lastIcon = icon;
    }
  }

  dispose(): void {
    this.off?.();
    if (this.timer) clearTimeout(this.timer);
    if (this.interval) clearInterval(this.interval);
    this.tray?.destroy();
    this.tray = undefined;
  }
}
