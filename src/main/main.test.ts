import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../core/index.js';
import { EventBus } from '../core/events.js';
import { createDispatcher } from '../server/dispatch.js';
import { opNames, type PushEvent } from '../shared/api.js';
import { answerAppRequest } from './app-protocol.js';
import { buildAppMenu } from './app-menu.js';
import { autostartEntry, desktopExecArg, getStartAtLogin, setStartAtLogin } from './autostart.js';
import { EVENT_CHANNEL, INVOKE_PREFIX, registerIpc, SUBSCRIBE_CHANNEL, type IpcEventLike } from './ipc.js';
import { jobNotification } from './notifications.js';
import { quitPrompt } from './quit.js';
import { APP_URL, DESKTOP_CSP, hardenContents, isAppUrl, isExternalAllowed, permissionAllowed, secureWebPreferences } from './security.js';

describe('window security', () => {
  it('turns every isolation switch on', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({ preload: '/p.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true });
    expect(DESKTOP_CSP).toContain("script-src 'self'");
    expect(DESKTOP_CSP).toContain("connect-src 'none'");
    expect(DESKTOP_CSP).not.toContain('unsafe-eval');
  });

  it.each([
    [APP_URL, true],
    ['app://paddock/index.html#/clusters', true],
    ['app://evil/index.html', false],
    ['file:///etc/passwd', false],
    ['https://example.com', false],
    [undefined, false],
    ['not a url', false],
  ])('app url %s → %s', (u, ok) => expect(isAppUrl(u)).toBe(ok));

  it('opens only loopback http and https links outside, blocks navigation and new windows', () => {
    expect(isExternalAllowed('http://127.0.0.1:8080/')).toBe(true);
    expect(isExternalAllowed('https://kubernetes.io')).toBe(true);
    expect(isExternalAllowed('http://example.com')).toBe(false);
    expect(isExternalAllowed('file:///etc/passwd')).toBe(false);
    expect(isExternalAllowed('javascript:alert(1)')).toBe(false);

    const handlers: Record<string, (e: { preventDefault(): void }, url?: string) => void> = {};
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    const opened: string[] = [];
    hardenContents(
      {
        on: (ev: string, l: (e: { preventDefault(): void }, url?: string) => void) => (handlers[ev] = l),
        setWindowOpenHandler: (h: (d: { url: string }) => { action: string }) => (openHandler = h),
      } as never,
      (u) => opened.push(u),
    );
    const nav = (ev: string, url?: string) => {
      let prevented = false;
      handlers[ev]!({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(nav('will-navigate', 'https://evil.example/')).toBe(true);
    expect(nav('will-navigate', 'app://paddock/index.html#/x')).toBe(false);
    expect(nav('will-redirect', 'http://127.0.0.1:1/')).toBe(true);
    expect(nav('will-attach-webview')).toBe(true);
    // Newer Electron: the URL on the event wins over the deprecated argument.
    let prevented = false;
    handlers['will-navigate']!({ preventDefault: () => (prevented = true), url: 'https://evil.example/2' } as never, APP_URL);
    expect(prevented).toBe(true);
    expect(openHandler!({ url: 'http://127.0.0.1:8080/' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://evil.example/', 'https://evil.example/2', 'http://127.0.0.1:8080/']);
    expect(permissionAllowed('clipboard-sanitized-write')).toBe(true);
    expect(permissionAllowed('media')).toBe(false);
  });

  it('serves app:// from the renderer folder with the CSP, never outside it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'paddock-app-'));
    mkdirSync(join(root, 'r'));
    writeFileSync(join(root, 'r', 'index.html'), '<html>');
    writeFileSync(join(root, 'secret'), 's');
    const ok = await answerAppRequest(join(root, 'r'), 'app://paddock/index.html');
    expect(ok.status).toBe(200);
    expect(ok.headers['content-security-policy']).toBe(DESKTOP_CSP);
    expect((await answerAppRequest(join(root, 'r'), 'app://paddock/../secret')).status).toBe(404);
    expect((await answerAppRequest(join(root, 'r'), 'app://paddock/%2e%2e/secret')).status).toBe(404);
    expect((await answerAppRequest(join(root, 'r'), 'app://other/index.html')).status).toBe(404);
    rmSync(root, { recursive: true, force: true });
  });
});

describe('IPC', () => {
  function fakeIpc() {
    const handlers = new Map<string, (e: IpcEventLike, ...a: unknown[]) => Promise<unknown>>();
    const listeners = new Map<string, (e: IpcEventLike, ...a: unknown[]) => void>();
    return {
      handlers,
      listeners,
      ipc: {
        handle: (c: string, f: (e: IpcEventLike, ...a: unknown[]) => Promise<unknown>) => void handlers.set(c, f),
        removeHandler: (c: string) => void handlers.delete(c),
        on: (c: string, f: (e: IpcEventLike, ...a: unknown[]) => void) => listeners.set(c, f),
        removeListener: (c: string) => listeners.delete(c),
      },
    };
  }
  function sender(id = 1) {
    const sent: PushEvent[] = [];
    let onDestroyed = () => {};
    let destroyed = false;
    return {
      sent,
      destroy: () => ((destroyed = true), onDestroyed()),
      s: { id, send: (_c: string, e: PushEvent) => void sent.push(e), isDestroyed: () => destroyed, once: (_e: string, l: () => void) => (onDestroyed = l) },
    };
  }

  it('registers one handler per contract operation and removes them all', () => {
    const f = fakeIpc();
    const bus = new EventBus();
    const dispose = registerIpc(f.ipc, createDispatcher({ core: createCore(), bus }), bus);
    expect([...f.handlers.keys()].sort()).toEqual(opNames.map((o) => INVOKE_PREFIX + o).sort());
    dispose();
    expect(f.handlers.size).toBe(0);
    expect(f.listeners.size).toBe(0);
  });

  it('validates payloads in main and refuses callers that are not our pages', async () => {
    const f = fakeIpc();
    const bus = new EventBus();
    registerIpc(f.ipc, createDispatcher({ core: createCore({ getCluster: async ({ name }) => ({ name, status: 'running', context: 'c', nodes: [] }) }), bus }), bus);
    const h = f.handlers.get(INVOKE_PREFIX + 'getCluster')!;
    const s = sender().s;
    expect(await h({ senderFrame: { url: APP_URL }, sender: s }, { name: 'dev' }, {})).toEqual({ result: { name: 'dev', status: 'running', context: 'c', nodes: [] } });
    const bad = (await h({ senderFrame: { url: APP_URL }, sender: s }, { name: '../../x' }, {})) as { error: { code: string } };
    expect(bad.error.code).toBe('USAGE');
    const foreign = (await h({ senderFrame: { url: 'https://evil.example/' }, sender: s }, { name: 'dev' })) as { error: { message: string } };
    expect(foreign.error.message).toMatch(/not a Paddock window/);
    const noFrame = (await h({ senderFrame: null, sender: s }, { name: 'dev' })) as { error: unknown };
    expect(noFrame.error).toBeDefined();
  });

  it('pushes bus events to subscribed windows, replays jobs, and forgets destroyed windows', async () => {
    const f = fakeIpc();
    const bus = new EventBus();
    const d = createDispatcher({ core: createCore(), bus });
    registerIpc(f.ipc, d, bus);
    await d.invoke('createCluster', { name: 'dev' }, { opId: 'j1' }); // fails: NOT_IMPLEMENTED, but is a job
    const a = sender(1);
    const foreign = sender(2);
    f.listeners.get(SUBSCRIBE_CHANNEL)!({ senderFrame: { url: APP_URL }, sender: a.s });
    f.listeners.get(SUBSCRIBE_CHANNEL)!({ senderFrame: { url: 'https://evil.example' }, sender: foreign.s });
    expect(a.sent[0]).toMatchObject({ type: 'job.changed', job: { opId: 'j1', state: 'failed' } });
    bus.emit({ type: 'clusters.changed' });
    expect(a.sent.at(-1)).toEqual({ type: 'clusters.changed' });
    expect(foreign.sent).toEqual([]);
    a.destroy();
    const n = a.sent.length;
    bus.emit({ type: 'contexts.changed' });
    expect(a.sent.length).toBe(n);
    expect(EVENT_CHANNEL).toBe('paddock:event');
  });
});

describe('desktop bits', () => {
  it('notifies when jobs end, with the remedy on failure', () => {
    const job = { opId: 'o', op: 'createCluster', title: 'Create cluster dev', startedAt: 0 };
    expect(jobNotification({ ...job, state: 'running' })).toBeUndefined();
    expect(jobNotification({ ...job, state: 'succeeded', endedAt: 42_000 })).toEqual({ title: 'Create cluster dev: done', body: 'Finished in 42 s.' });
    expect(jobNotification({ ...job, state: 'failed', error: { code: 'DOCKER_UNREACHABLE', message: 'Docker is not running', remedy: 'Start Docker' } })).toEqual({
      title: 'Create cluster dev: failed',
      body: 'Docker is not running\nStart Docker',
    });
  });

  it('asks before quitting only when clusters run', () => {
    const c = (name: string, status: 'running' | 'stopped' | 'paused') => ({ name, status, context: name, nodes: [] });
    expect(quitPrompt([c('a', 'stopped')])).toBeUndefined();
    const p = quitPrompt([c('a', 'running'), c('b', 'paused'), c('x', 'stopped')])!;
    expect(p.message).toBe('2 clusters are running: a, b.');
    expect(p.buttons.length).toBe(p.choices.length);
    expect(p.choices[p.cancelId]).toBe('cancel');
    expect(p.choices[p.defaultId]).toBe('quit');
  });

  it('builds the application menu per platform', () => {
    const mac = buildAppMenu({ platform: 'darwin', startAtLogin: true, dev: false });
    expect(mac[0]!.label).toBe('Paddock');
    expect(mac[0]!.submenu!.find((i) => i.action === 'toggleStartAtLogin')).toMatchObject({ checked: true, type: 'checkbox' });
    const linux = buildAppMenu({ platform: 'linux', startAtLogin: false, dev: true });
    expect(linux[0]!.label).toBe('File');
    expect(linux[0]!.submenu!.some((i) => i.role === 'about')).toBe(false);
    expect(linux[2]!.submenu!.some((i) => i.action === 'toggleDevTools')).toBe(true);
    expect(buildAppMenu({ platform: 'linux', startAtLogin: false, dev: false })[2]!.submenu!.some((i) => i.action === 'toggleDevTools')).toBe(false);
  });

  it('writes and removes an XDG autostart entry on Linux, uses the OS elsewhere', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paddock-autostart-'));
    const file = join(dir, 'autostart', 'paddock.desktop');
    const calls: unknown[] = [];
    const app = { getLoginItemSettings: () => ({ openAtLogin: true }), setLoginItemSettings: (s: unknown) => void calls.push(s) };
    expect(getStartAtLogin('linux', app, file)).toBe(false);
    setStartAtLogin('linux', app, true, '/opt/Paddock/paddock', file);
    expect(readFileSync(file, 'utf8')).toContain('Exec=/opt/Paddock/paddock --hidden');
    expect(getStartAtLogin('linux', app, file)).toBe(true);
    setStartAtLogin('linux', app, false, '/x', file);
    expect(existsSync(file)).toBe(false);
    expect(getStartAtLogin('darwin', app, file)).toBe(true);
    setStartAtLogin('win32', app, true, '/x', file);
    expect(calls).toEqual([{ openAtLogin: true, openAsHidden: true, args: ['--hidden'] }]);
    expect(desktopExecArg('/Apps/My "Paddock"/$x')).toBe('"/Apps/My \\"Paddock\\"/\\$x"');
    expect(autostartEntry('/a b')).toContain('Exec="/a b" --hidden');
    rmSync(dir, { recursive: true, force: true });
  });
});
