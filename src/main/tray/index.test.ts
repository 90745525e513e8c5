import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { createCore } from '../../core/index.js';
import { EventBus } from '../../core/events.js';
import { createDispatcher } from '../../server/dispatch.js';
import type { ClusterSummary } from '../../shared/api.js';
import { TrayController, toElectronTemplate } from './index.js';
import type { TrayAction } from './build-tray-menu.js';

function setup(clusters: () => ClusterSummary[]) {
  const bus = new EventBus();
  const dispatcher = createDispatcher({ core: createCore({ listClusters: async () => ({ clusters: clusters() }) }), bus });
  const menus: MenuItemConstructorOptions[][] = [];
  const tips: string[] = [];
  const actions: TrayAction[] = [];
  let destroyed = false;
  const ctl = new TrayController({
    dispatcher,
    bus,
    createTray: () => ({ setContextMenu: () => {}, setToolTip: (t) => tips.push(t), destroy: () => (destroyed = true) }),
    buildMenu: (t) => (menus.push(t), t),
    getStartAtLogin: () => true,
    onAction: (a) => actions.push(a),
  });
  return { ctl, bus, menus, tips, actions, isDestroyed: () => destroyed };
}

describe('TrayController', () => {
  it('renders what the core answers and re-renders (coalesced) on bus events', async () => {
    let list: ClusterSummary[] = [];
    const t = setup(() => list);
    await t.ctl.start();
    expect(t.tips.at(-1)).toBe('Paddock — 0 of 0 clusters running');
    expect(t.ctl.current().contexts).toEqual({ ok: false, error: 'Not available yet' });
    expect(t.ctl.current().startAtLogin).toBe(true);

    list = [{ name: 'dev', status: 'running', context: 'paddock-dev', nodes: [] }];
    const before = t.menus.length;
    t.bus.emit({ type: 'clusters.changed' });
    t.bus.emit({ type: 'clusters.changed' });
    t.bus.emit({ type: 'forwards.changed' });
    await expect.poll(() => t.tips.at(-1)).toBe('Paddock — 1 of 1 cluster running');
    expect(t.menus.length - before).toBe(1);

    // Clicking an item calls back with its action.
    const devItem = t.menus.at(-1)!.find((i) => String(i.label).includes('dev —'))!;
    const stop = (devItem.submenu as MenuItemConstructorOptions[]).find((i) => i.label === 'Stop')!;
    (stop.click as () => void)();
    expect(t.actions).toEqual([{ kind: 'stopCluster', name: 'dev' }]);
    t.ctl.dispose();
    expect(t.isDestroyed()).toBe(true);
  });

  it('opens the window on a tray click when asked (Windows)', async () => {
    const bus = new EventBus();
    const actions: TrayAction[] = [];
    let click: (() => void) | undefined;
    const ctl = new TrayController({
      dispatcher: createDispatcher({ core: createCore(), bus }),
      bus,
      createTray: () => ({ setContextMenu: () => {}, setToolTip: () => {}, destroy: () => {}, on: (_e: 'click', l: () => void) => (click = l) }),
      buildMenu: (t) => t,
      getStartAtLogin: () => false,
      onAction: (a) => actions.push(a),
      openOnClick: true,
    });
    await ctl.start();
    click!();
    expect(actions).toEqual([{ kind: 'open' }]);
    ctl.dispose();
  });

  it('maps items to Electron templates without leaking undefined fields', () => {
    const out = toElectronTemplate([{ type: 'separator' }, { label: 'x', enabled: false, submenu: [{ label: 'y' }] }], () => {});
    expect(out).toEqual([{ type: 'separator' }, { label: 'x', enabled: false, submenu: [{ label: 'y' }] }]);
  });
});
