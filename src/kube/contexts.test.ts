import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpContext } from '../shared/api.js';
import { contextHandlers, listContextInfos, paddockClusterOf } from './contexts.js';
import { parseKubeconfig } from './kubeconfig/load.js';
import { useTempKube, writeText, type TempKube } from './kubeconfig/testing.js';
import { json, startHttpServer, type TestServer } from './testing-servers.js';

let t: TempKube;
let a: string;
let b: string;
const ctx: OpContext = { opId: 'test', progress: { emit: () => undefined } as unknown as OpContext['progress'] };

let server: TestServer;
afterAll(async () => server?.close());

beforeEach(async () => {
  t = await useTempKube();
  server ??= await startHttpServer((req, res) => json(res, req.headers.authorization ? 200 : 401, { gitVersion: 'v1.33.0' }));
  a = path.join(t.dir, 'a.yaml');
  b = path.join(t.dir, 'b.yaml');
  await writeText(
    a,
    `apiVersion: v1
kind: Config
clusters:
- {name: paddock-dev, cluster: {server: '${server.url}'}}
users:
- {name: paddock-dev, user: {token: x}}
contexts:
- {name: paddock-dev, context: {cluster: paddock-dev, user: paddock-dev}}
x-keep: 1
`,
  );
  await writeText(
    b,
    `apiVersion: v1
kind: Config
clusters:
- {name: remote, cluster: {server: 'https://127.0.0.1:1'}}
users:
- {name: me, user: {}}
contexts:
- {name: work, context: {cluster: remote, user: me, namespace: payments}}
current-context: work
`,
  );
  process.env.KUBECONFIG = `${a}:${b}`;
});
afterEach(async () => t.restore());

const doc = async (f: string) => parseKubeconfig(await fs.readFile(f, 'utf8'), f);

describe('listContexts', () => {
  it('lists every context of every file with its file, server and namespace; with probe, each state, reason and version', async () => {
    const out = await contextHandlers.listContexts({}, ctx);
    expect(out.currentContext).toBe('work');
    expect(out.contexts).toEqual([
      { name: 'paddock-dev', current: false, cluster: 'paddock-dev', user: 'paddock-dev', file: a, server: server.url, paddockCluster: 'dev' },
      { name: 'work', current: true, cluster: 'remote', user: 'me', namespace: 'payments', file: b, server: 'https://127.0.0.1:1' },
    ]);
    const probed = await contextHandlers.listContexts({ probe: true }, ctx);
    expect(probed.contexts).toEqual([
      expect.objectContaining({ name: 'paddock-dev', reachable: true, probe: { state: 'ok', version: 'v1.33.0', ms: expect.any(Number) } }),
      expect.objectContaining({ name: 'work', reachable: false, probe: { state: 'unreachable', reason: expect.stringContaining('ECONNREFUSED'), ms: expect.any(Number) } }),
    ]);
  });

  it('without probe, 50 contexts are listed without contacting any cluster (the time is in bench/contexts.ts)', async () => {
    let requests = 0;
    const counting = await startHttpServer((_req, res) => {
      requests++;
      json(res, 200, {});
    });
    try {
      const many = Array.from({ length: 50 }, (_, i) => `- {name: c${i}, context: {cluster: remote, user: me}}`).join('\n');
      await writeText(b, `clusters:\n- {name: remote, cluster: {server: '${counting.url}'}}\ncontexts:\n${many}\n`);
      const { contexts } = await contextHandlers.listContexts({}, ctx);
      expect(contexts).toHaveLength(51);
      expect(contexts.every((c) => c.reachable === undefined && c.probe === undefined)).toBe(true);
      expect(requests).toBe(0);
    } finally {
      await counting.close();
    }
  });

  it('paddockCluster only for paddock-<valid cluster name>', () => {
    expect(paddockClusterOf('paddock-dev')).toBe('dev');
    expect(paddockClusterOf('paddock-')).toBeUndefined();
    expect(paddockClusterOf('paddock-Bad_Name')).toBeUndefined();
    expect(paddockClusterOf('kind-dev')).toBeUndefined();
  });
});

describe('writes through the handlers', () => {
  it('use: current-context goes to the first file (client-go default file)', async () => {
    await contextHandlers.useContext({ name: 'paddock-dev' }, ctx);
    expect((await doc(a))['current-context']).toBe('paddock-dev');
    expect((await doc(b))['current-context']).toBe('work');
    expect((await listContextInfos()).currentContext).toBe('paddock-dev');
    expect((await doc(a))['x-keep']).toBe(1);
  });

  it('rename: in its file, current-context follows', async () => {
    await contextHandlers.renameContext({ from: 'work', to: 'prod' }, ctx);
    const d = await doc(b);
    expect(d['current-context']).toBe('prod');
    expect((d.contexts as { name: string }[]).map((c) => c.name)).toEqual(['prod']);
  });

  it('delete: context, its now-unused cluster and user; current unset', async () => {
    await contextHandlers.deleteContext({ name: 'work' }, ctx);
    const d = await doc(b);
    expect(d.contexts).toEqual([]);
    expect(d.clusters).toEqual([]);
    expect(d.users).toEqual([]);
    expect(d['current-context']).toBe('');
  });

  it('namespace: set in the file holding the context', async () => {
    await contextHandlers.setContextNamespace({ context: 'paddock-dev', namespace: 'apps' }, ctx);
    expect((await listContextInfos()).contexts.find((c) => c.name === 'paddock-dev')?.namespace).toBe('apps');
    expect(await fs.readFile(a, 'utf8')).toContain('namespace: apps');
  });

  it('unknown names: CONTEXT_NOT_FOUND and no file touched', async () => {
    const before = [await fs.readFile(a, 'utf8'), await fs.readFile(b, 'utf8')];
    for (const call of [
      () => contextHandlers.useContext({ name: 'ghost' }, ctx),
      () => contextHandlers.renameContext({ from: 'ghost', to: 'x' }, ctx),
      () => contextHandlers.deleteContext({ name: 'ghost' }, ctx),
      () => contextHandlers.setContextNamespace({ context: 'ghost', namespace: 'x' }, ctx),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'CONTEXT_NOT_FOUND' });
    }
    expect([await fs.readFile(a, 'utf8'), await fs.readFile(b, 'utf8')]).toEqual(before);
  });
});
