// The preload against a fake `electron` module: it exposes exactly
// window.paddock = { invoke, subscribe }, prefixes channels, and never hands
// the IPC event object to the page. The file is compiled to CommonJS as tsc
// does and run with a require() that knows only 'electron', as in a sandbox.
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const exposed: Record<string, unknown> = {};
const invoked: unknown[][] = [];
const sent: string[] = [];
const handlers: Record<string, (e: unknown, payload: unknown) => void> = {};

const fakeElectron = {
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => {
      invoked.push(args);
      if (args[0] === 'paddock:invoke:nope') throw new Error("No handler registered for 'paddock:invoke:nope'");
      return { result: { ok: true } };
    },
    send: (c: string) => void sent.push(c),
    on: (c: string, h: (e: unknown, p: unknown) => void) => void (handlers[c] = h),
  },
};

function loadPreload(): void {
  const source = readFileSync(new URL('./index.cts', import.meta.url), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const required: string[] = [];
  const sandboxRequire = (m: string) => {
    required.push(m);
    if (m !== 'electron') throw new Error(`a sandboxed preload cannot require ${m}`);
    return fakeElectron;
  };
  new Function('require', 'exports', 'module', js)(sandboxRequire, {}, { exports: {} });
  expect(required).toEqual(['electron']);
}

interface Bridge {
  invoke(op: string, input: unknown, opts?: { opId?: string }): Promise<unknown>;
  subscribe(l: (e: unknown) => void): () => void;
}

describe('preload bridge', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    loadPreload();
    bridge = exposed.paddock as Bridge;
  });

  it('exposes only invoke and subscribe', () => {
    expect(Object.keys(exposed)).toEqual(['paddock']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'subscribe']);
  });

  it('invokes the op channel with the input and opId only', async () => {
    expect(await bridge.invoke('getCluster', { name: 'dev' }, { opId: 'o1', extra: 1 } as never)).toEqual({ result: { ok: true } });
    expect(invoked.at(-1)).toEqual(['paddock:invoke:getCluster', { name: 'dev' }, { opId: 'o1' }]);
  });

  it('answers bad op names and unknown ops with an error envelope, never a throw', async () => {
    expect(await bridge.invoke('../x', {})).toEqual({ error: { code: 'USAGE', message: 'Unknown operation' } });
    expect(await bridge.invoke('nope', {})).toMatchObject({ error: { code: 'USAGE' } });
  });

  it('subscribes once, delivers payloads without the event object, and disposes', () => {
    const got: unknown[] = [];
    const off = bridge.subscribe((e) => got.push(e));
    bridge.subscribe(() => {});
    expect(sent).toEqual(['paddock:subscribe']);
    handlers['paddock:event']!({ sender: 'secret' }, { type: 'clusters.changed' });
    expect(got).toEqual([{ type: 'clusters.changed' }]);
    off();
    handlers['paddock:event']!({}, { type: 'contexts.changed' });
    expect(got.length).toBe(1);
    expect(() => bridge.subscribe('x' as never)).toThrow(TypeError);
  });
});
