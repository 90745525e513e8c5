import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileForwardStore, FORWARDS_FILE_VERSION, newForwardId, parseForwardsFile, type StoredForward } from './forwards.js';

const f: StoredForward = {
  id: 'svc-web-80',
  context: 'paddock-dev',
  kubeconfig: '/home/u/.kube/config',
  namespace: 'default',
  target: 'svc/web',
  localAddress: '127.0.0.1',
  localPort: 8080,
  remotePort: 80,
  autoStart: true,
};

describe('parseForwardsFile', () => {
  it('reads the current version', () => {
    expect(parseForwardsFile(JSON.stringify({ version: 1, forwards: [f] })).forwards).toEqual([f]);
  });

  it('migrates the unversioned array addressed by cluster name', () => {
    const v0 = [{ id: 'a', cluster: 'dev', target: 'deploy/api', localPort: 9000, remotePort: 'http' }];
    const got = parseForwardsFile(JSON.stringify(v0));
    expect(got.version).toBe(FORWARDS_FILE_VERSION);
    expect(got.forwards).toEqual([{ id: 'a', context: 'paddock-dev', namespace: 'default', localAddress: '127.0.0.1', autoStart: true, target: 'deploy/api', localPort: 9000, remotePort: 'http' }]);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['no version', '{"forwards":[]}', /no "version"/],
    ['a newer version', '{"version":99,"forwards":[]}', /newer Paddock/],
    ['a bad target', JSON.stringify({ version: 1, forwards: [{ ...f, target: 'job/x' }] }), /forwards\.0\.target/],
    ['a bad port', JSON.stringify({ version: 1, forwards: [{ ...f, localPort: 70000 }] }), /forwards\.0\.localPort/],
    ['a duplicate id', JSON.stringify({ version: 1, forwards: [f, f] }), /appears twice/],
  ])('refuses %s with a remedy', (_what, text, msg) => {
    expect(() => parseForwardsFile(text, 'x.json')).toThrow(msg);
    expect(() => parseForwardsFile(text, 'x.json')).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', remedy: expect.stringContaining('x.json') }));
  });
});

describe('fileForwardStore', () => {
  let dir = '';
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts empty, writes atomically with mode 0600 and a version, and serialises updates', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fwstore-'));
    const file = path.join(dir, 'sub', 'forwards.json');
    const store = fileForwardStore(file);
    expect(await store.load()).toEqual([]);
    await Promise.all([store.update((all) => void all.push(f)), store.update((all) => void all.push({ ...f, id: 'b', localPort: 8081 }))]);
    expect((await store.load()).map((x) => x.id)).toEqual(['svc-web-80', 'b']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).version).toBe(FORWARDS_FILE_VERSION);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['forwards.json']); // no temporary files left
  });

  it('a failed update writes nothing', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fwstore-'));
    const store = fileForwardStore(path.join(dir, 'forwards.json'));
    await store.update((all) => void all.push(f));
    await expect(
      store.update((all) => {
        all.length = 0;
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await store.load()).toHaveLength(1);
  });
});

describe('newForwardId', () => {
  it('is readable and unique', () => {
    expect(newForwardId('svc/web', 80, [])).toBe('svc-web-80');
    expect(newForwardId('svc/web', 80, ['svc-web-80'])).toBe('svc-web-80-2');
    expect(newForwardId('deploy/api.v2', 'http', ['x'])).toBe('deploy-api.v2-http');
  });
});
