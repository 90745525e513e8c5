/**
 * The tray menu as a pure function of state (rancher-desktop's updateMenu,
 * without the shared mutable template). Items carry an `action` value, not a
 * closure, so the whole menu is compared in tests; tray/index.ts maps actions
 * to calls.
 */
import type { ClusterSummary, ContextInfo, ForwardInfo, JobInfo } from '../../shared/api.js';

export type TrayAction =
  | { kind: 'open'; path?: string }
  | { kind: 'quit' }
  | { kind: 'toggleStartAtLogin' }
  | { kind: 'startCluster' | 'stopCluster' | 'pauseCluster' | 'unpauseCluster'; name: string }
  | { kind: 'useContext'; name: string }
  | { kind: 'startForward' | 'stopForward'; id: string };

export interface TrayItem {
  label?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  enabled?: boolean;
  checked?: boolean;
  toolTip?: string;
  action?: TrayAction;
  submenu?: TrayItem[];
}

/** Each list is either what the core answered or why it could not. */
export type Loaded<T> = { ok: true; value: T } | { ok: false; error: string };

export interface TrayState {
  clusters: Loaded<ClusterSummary[]>;
  contexts: Loaded<{ contexts: ContextInfo[]; current?: string }>;
  forwards: Loaded<ForwardInfo[]>;
  jobs: JobInfo[];
  startAtLogin: boolean;
}

export type TrayIconState = 'idle' | 'running' | 'busy' | 'error';

// A plain record: new statuses (the contract grows) fall back to a dot.
const GLYPH: Record<string, string> = {
  running: '●',
  stopped: '○',
  paused: '❚❚',
  degraded: '◐',
  broken: '✗',
  creating: '◌',
};

const sep: TrayItem = { type: 'separator' };

function clusterItem(c: ClusterSummary, busy: JobInfo | undefined): TrayItem {
  const status = busy ? `${busy.title}…` : c.status;
  const can = (...s: ClusterSummary['status'][]) => !busy && s.includes(c.status);
  const submenu: TrayItem[] = [
    { label: c.reason ? `${c.status}: ${c.reason}` : `Status: ${status}`, enabled: false },
    ...(c.apiServer ? [{ label: `API https://${c.apiServer.host}:${c.apiServer.port}`, enabled: false }] : []),
    sep,
    { label: 'Start', enabled: can('stopped', 'broken'), action: { kind: 'startCluster', name: c.name } },
    { label: 'Stop', enabled: can('running', 'degraded', 'paused'), action: { kind: 'stopCluster', name: c.name } },
    c.status === 'paused'
      ? { label: 'Resume', enabled: !busy, action: { kind: 'unpauseCluster', name: c.name } }
      : { label: 'Pause', enabled: can('running', 'degraded'), action: { kind: 'pauseCluster', name: c.name } },
    sep,
    { label: 'Show in Paddock', action: { kind: 'open', path: `/clusters/${c.name}` } },
  ];
  return { label: `${GLYPH[c.status] ?? '•'} ${c.name} — ${status}`, type: 'submenu', submenu };
}

function forwardLabel(f: ForwardInfo): string {
  const state = f.state === 'connected' ? '' : ` (${f.state})`;
  return `${f.localAddress}:${f.localPort} → ${f.target}:${f.remotePort}${state}`;
}

export function buildTrayMenu(s: TrayState): TrayItem[] {
  const items: TrayItem[] = [];
  const running = s.jobs.filter((j) => j.state === 'running');
  if (running.length) {
    items.push({ label: running.length === 1 ? `${running[0]!.title}…` : `${running.length} jobs running…`, action: { kind: 'open', path: '/jobs' } }, sep);
  }

  items.push({ label: 'Clusters', enabled: false });
  if (!s.clusters.ok) {
    items.push({ label: s.clusters.error, enabled: false });
  } else if (s.clusters.value.length === 0) {
    items.push({ label: 'No clusters yet — Create cluster…', action: { kind: 'open', path: '/clusters/new' } });
  } else {
    for (const c of s.clusters.value) {
      items.push(clusterItem(c, running.find((j) => j.title.endsWith(` ${c.name}`))));
    }
  }
  items.push(sep);

  if (!s.contexts.ok) {
    items.push({ label: 'Contexts', type: 'submenu', submenu: [{ label: s.contexts.error, enabled: false }] });
  } else {
    const list = s.contexts.value.contexts;
    items.push({
      label: s.contexts.value.current ? `Context: ${s.contexts.value.current}` : 'Contexts',
      type: 'submenu',
      submenu: list.length
        ? list.map((c) => ({ label: c.name, type: 'radio' as const, checked: c.current, action: { kind: 'useContext' as const, name: c.name } }))
        : [{ label: 'No contexts in your kubeconfig', enabled: false }],
    });
  }

  if (s.forwards.ok && s.forwards.value.length) {
    items.push(sep, { label: 'Port-forwards', enabled: false });
    for (const f of s.forwards.value) {
      const on = f.state !== 'stopped';
      items.push({
        label: forwardLabel(f),
        type: 'checkbox',
        checked: on,
        ...(f.lastError ? { toolTip: f.lastError } : {}),
        action: on ? { kind: 'stopForward', id: f.id } : { kind: 'startForward', id: f.id },
      });
    }
  }

  items.push(
    sep,
    { label: 'Open Paddock', action: { kind: 'open' } },
    { label: 'Start Paddock at Login', type: 'checkbox', checked: s.startAtLogin, action: { kind: 'toggleStartAtLogin' } },
    sep,
    { label: 'Quit Paddock', action: { kind: 'quit' } },
  );
  return items;
}

export function trayIconState(s: TrayState): TrayIconState {
  if (s.jobs.some((j) => j.state === 'running')) return 'busy';
  if (s.clusters.ok && s.clusters.value.some((c) => c.status === 'broken' || c.status === 'degraded')) return 'error';
  if (s.clusters.ok && s.clusters.value.some((c) => c.status === 'running')) return 'running';
  return 'idle';
}

export function trayTooltip(s: TrayState): string {
  if (!s.clusters.ok) return `Paddock — ${s.clusters.error}`;
  const n = s.clusters.value.filter((c) => c.status === 'running').length;
  const jobs = s.jobs.filter((j) => j.state === 'running').length;
  return `Paddock — ${n} of ${s.clusters.value.length} cluster${s.clusters.value.length === 1 ? '' : 's'} running${jobs ? `, ${jobs} job${jobs === 1 ? '' : 's'} running` : ''}`;
}
