import { describe, expect, it } from 'vitest';
import type { ClusterSummary, ForwardInfo } from '../../shared/api.js';
import { buildTrayMenu, trayIconState, trayTooltip, type TrayItem, type TrayState } from './build-tray-menu.js';

const cluster = (name: string, status: ClusterSummary['status'], extra: Partial<ClusterSummary> = {}): ClusterSummary => ({
  name,
  status,
  context: `paddock-${name}`,
  nodes: [],
  ...extra,
});

const forward = (id: string, state: ForwardInfo['state']): ForwardInfo => ({
  id,
  state,
  context: 'paddock-dev',
  namespace: 'default',
  target: 'svc/web',
  localAddress: '127.0.0.1',
  localPort: 8080,
  remotePort: 80,
  autoStart: true,
  bytesIn: 0,
  bytesOut: 0,
  connections: 0,
});

const base: TrayState = {
  clusters: { ok: true, value: [] },
  contexts: { ok: true, value: { contexts: [], current: undefined } },
  forwards: { ok: true, value: [] },
  jobs: [],
  startAtLogin: false,
};

const labels = (items: TrayItem[]) => items.map((i) => (i.type === 'separator' ? '---' : i.label));
const find = (items: TrayItem[], prefix: string) => items.find((i) => i.label?.startsWith(prefix));

describe('buildTrayMenu', () => {
  it('invites to create the first cluster and always offers open, start-at-login and quit', () => {
    const m = buildTrayMenu(base);
    expect(labels(m)).toEqual([
      'Clusters',
      'No clusters yet — Create cluster…',
      '---',
      'Contexts',
      '---',
      'Open Paddock',
      'Start Paddock at Login',
      '---',
      'Quit Paddock',
    ]);
    expect(find(m, 'No clusters')?.action).toEqual({ kind: 'open', path: '/clusters/new' });
    expect(find(m, 'Quit')?.action).toEqual({ kind: 'quit' });
    expect(find(m, 'Start Paddock')).toMatchObject({ type: 'checkbox', checked: false });
  });

  it.each([
    ['running', ['Stop', 'Pause'], ['Start']],
    ['stopped', ['Start'], ['Stop', 'Pause']],
    ['paused', ['Stop', 'Resume'], ['Start']],
    ['broken', ['Start'], ['Stop', 'Pause']],
  ] as const)('a %s cluster enables %j and disables %j', (status, enabled, disabled) => {
    const m = buildTrayMenu({ ...base, clusters: { ok: true, value: [cluster('dev', status)] } });
    const item = find(m, '')!.label === 'Clusters' ? m[1]! : m[0]!;
    expect(item.label).toContain(`dev — ${status}`);
    const sub = item.submenu!;
    for (const l of enabled) expect(find(sub, l)?.enabled, l).not.toBe(false);
    for (const l of disabled) expect(find(sub, l)?.enabled, l).toBe(false);
    expect(find(sub, 'Show in Paddock')?.action).toEqual({ kind: 'open', path: '/clusters/dev' });
  });

  it('shows the API address and why a cluster is broken', () => {
    const m = buildTrayMenu({ ...base, clusters: { ok: true, value: [cluster('dev', 'broken', { reason: 'node dev-worker is missing', apiServer: { host: '127.0.0.1', port: 6443 } })] } });
    const sub = m[1]!.submenu!;
    expect(sub[0]!.label).toBe('broken: node dev-worker is missing');
    expect(sub[1]!.label).toBe('API https://127.0.0.1:6443');
  });

  it('disables cluster actions while a job runs on it and shows the job on top', () => {
    const job = { opId: 'o', op: 'stopCluster', title: 'Stop cluster dev', state: 'running' as const, startedAt: 1 };
    const m = buildTrayMenu({ ...base, jobs: [job], clusters: { ok: true, value: [cluster('dev', 'running')] } });
    expect(m[0]).toEqual({ label: 'Stop cluster dev…', action: { kind: 'open', path: '/jobs' } });
    const item = m.find((i) => i.label?.includes('dev —'))!;
    expect(item.label).toBe('● dev — Stop cluster dev…');
    expect(item.submenu!.filter((i) => ['Start', 'Stop', 'Pause'].includes(i.label ?? '')).every((i) => i.enabled === false)).toBe(true);
  });

  it('lists contexts as radio items that switch the current context', () => {
    const ctx = (name: string, current: boolean) => ({ name, current, cluster: name, user: name, file: '/k' });
    const m = buildTrayMenu({ ...base, contexts: { ok: true, value: { contexts: [ctx('a', false), ctx('b', true)], current: 'b' } } });
    const sub = find(m, 'Context: b')!.submenu!;
    expect(sub).toEqual([
      { label: 'a', type: 'radio', checked: false, action: { kind: 'useContext', name: 'a' } },
      { label: 'b', type: 'radio', checked: true, action: { kind: 'useContext', name: 'b' } },
    ]);
  });

  it('lists forwards with an on/off toggle and their local address', () => {
    const m = buildTrayMenu({ ...base, forwards: { ok: true, value: [forward('f1', 'connected'), { ...forward('f2', 'stopped'), localPort: 9090 }] } });
    expect(find(m, '127.0.0.1:8080')).toEqual({ label: '127.0.0.1:8080 → svc/web:80', type: 'checkbox', checked: true, action: { kind: 'stopForward', id: 'f1' } });
    expect(find(m, '127.0.0.1:9090')).toMatchObject({ label: '127.0.0.1:9090 → svc/web:80 (stopped)', checked: false, action: { kind: 'startForward', id: 'f2' } });
  });

  it('says why a list could not be read instead of showing nothing', () => {
    const m = buildTrayMenu({ ...base, clusters: { ok: false, error: 'Docker is not running' }, contexts: { ok: false, error: 'Not available yet' } });
    expect(m[1]).toEqual({ label: 'Docker is not running', enabled: false });
    expect(find(m, 'Contexts')!.submenu).toEqual([{ label: 'Not available yet', enabled: false }]);
  });

  it('reduces the state to one icon and a tooltip', () => {
    expect(trayIconState(base)).toBe('idle');
    expect(trayIconState({ ...base, clusters: { ok: true, value: [cluster('a', 'running')] } })).toBe('running');
    expect(trayIconState({ ...base, clusters: { ok: true, value: [cluster('a', 'running'), cluster('b', 'degraded')] } })).toBe('error');
    expect(trayIconState({ ...base, jobs: [{ opId: 'o', op: 'x', title: 't', state: 'running', startedAt: 0 }] })).toBe('busy');
    expect(trayTooltip({ ...base, clusters: { ok: true, value: [cluster('a', 'running'), cluster('b', 'stopped')] } })).toBe('Paddock — 1 of 2 clusters running');
    expect(trayTooltip({ ...base, clusters: { ok: false, error: 'Docker is not running' } })).toBe('Paddock — Docker is not running');
  });
});
