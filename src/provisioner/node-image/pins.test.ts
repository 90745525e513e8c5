import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { carriesDigest, PullTally } from './pull.js';
import { digestRef, loadPins, normalizeRepository, parsePinnedRef, pinFor, pullAllowedByEnv, UPSTREAM_NODE_IMAGE_PINS } from './pins.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

describe('node image pins', () => {
  it('pins every upstream image by a sha256 digest, keyed by its own version', () => {
    expect(Object.keys(UPSTREAM_NODE_IMAGE_PINS).length).toBeGreaterThan(0);
    for (const [version, ref] of Object.entries(UPSTREAM_NODE_IMAGE_PINS)) {
      const pin = parsePinnedRef(version, ref);
      expect(pin.repository).toBe('kindest/node');
      expect(pin.tag).toBe(version);
      expect(pin.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it('parses registry hosts with ports, and refuses references without a digest', () => {
    const pin = parsePinnedRef('v1.99.1', `127.0.0.1:5123/paddock-test/node:v1.99.1@${D('a')}`);
    expect(pin).toMatchObject({ repository: '127.0.0.1:5123/paddock-test/node', tag: 'v1.99.1', digest: D('a') });
    expect(digestRef(pin)).toBe(`127.0.0.1:5123/paddock-test/node@${D('a')}`);
    expect(() => parsePinnedRef('v1.99.1', 'kindest/node:v1.99.1')).toThrow(/not pinned by digest/);
    expect(() => parsePinnedRef('v1.99.1', `kindest/node@sha256:${'a'.repeat(63)}`)).toThrow(/not pinned by digest/);
  });

  it('sorts newest first and picks the exact version, or for no version the default then its minor', () => {
    const pins = loadPins({});
    expect(pins.map((p) => p.kubernetesVersion)).toEqual([...pins.map((p) => p.kubernetesVersion)].sort((a, b) => b.localeCompare(a, 'en', { numeric: true })));
    expect(pinFor('v1.36.4', 'v1.36.3', pins)?.kubernetesVersion).toBe('v1.36.4');
    expect(pinFor('v1.36.3', 'v1.36.3', pins)).toBeUndefined(); // an asked version is never swapped for another
    expect(pinFor(undefined, 'v1.36.3', pins)?.kubernetesVersion).toBe('v1.36.4');
    expect(pinFor(undefined, 'v1.37.0', pins)?.kubernetesVersion).toBe('v1.37.0');
    expect(pinFor(undefined, 'v1.20.0', pins)).toBeUndefined();
  });

  it('PADDOCK_NODE_IMAGE_PINS replaces the table, validated', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-pins-'));
    try {
      const good = path.join(dir, 'good.json');
      fs.writeFileSync(good, JSON.stringify({ 'v1.99.1': `127.0.0.1:5000/n:v1.99.1@${D('b')}`, 'v1.99.10': `127.0.0.1:5000/n@${D('c')}` }));
      const pins = loadPins({ PADDOCK_NODE_IMAGE_PINS: good });
      expect(pins.map((p) => p.kubernetesVersion)).toEqual(['v1.99.10', 'v1.99.1']);
      expect(pins[0]!.tag).toBeUndefined();
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, JSON.stringify({ 'v1.99.1': 'n:v1.99.1' }));
      expect(() => loadPins({ PADDOCK_NODE_IMAGE_PINS: bad })).toThrow(/v1\.99\.1: values are image references pinned by digest/);
      fs.writeFileSync(bad, JSON.stringify({ latest: `n@${D('b')}` }));
      expect(() => loadPins({ PADDOCK_NODE_IMAGE_PINS: bad })).toThrow(/keys are Kubernetes versions/);
      expect(() => loadPins({ PADDOCK_NODE_IMAGE_PINS: path.join(dir, 'missing.json') })).toThrow(/cannot read PADDOCK_NODE_IMAGE_PINS/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PADDOCK_NODE_IMAGE_PULL: never turns pulling off, unknown values are an error', () => {
    expect(pullAllowedByEnv({})).toBe(true);
    expect(pullAllowedByEnv({ PADDOCK_NODE_IMAGE_PULL: 'missing' })).toBe(true);
    expect(pullAllowedByEnv({ PADDOCK_NODE_IMAGE_PULL: 'never' })).toBe(false);
    expect(() => pullAllowedByEnv({ PADDOCK_NODE_IMAGE_PULL: 'nope' })).toThrow(/PADDOCK_NODE_IMAGE_PULL=nope/);
  });

  it('matches RepoDigests the way Docker writes them (Docker Hub names short)', () => {
    const pin = parsePinnedRef('v1.36.4', UPSTREAM_NODE_IMAGE_PINS['v1.36.4']!);
    expect(normalizeRepository('docker.io/library/busybox')).toBe('busybox');
    expect(carriesDigest({ RepoDigests: [`kindest/node@${pin.digest}`] }, pin)).toBe(true);
    expect(carriesDigest({ RepoDigests: [`docker.io/kindest/node@${pin.digest}`] }, pin)).toBe(true);
    expect(carriesDigest({ RepoDigests: [`kindest/node@${D('0')}`] }, pin)).toBe(false);
    expect(carriesDigest({ RepoDigests: [`other/node@${pin.digest}`] }, pin)).toBe(false);
  });

  it('tallies layers and bytes from the engine\'s pull messages', () => {
    const t = new PullTally();
    t.add({ status: 'Pulling from paddock-test/node', id: 'v1' });
    t.add({ status: 'Pulling fs layer', id: 'a' });
    t.add({ status: 'Pulling fs layer', id: 'b' });
    t.add({ status: 'Downloading', id: 'a', progressDetail: { current: 512 * 1024, total: 2 * 1024 * 1024 } });
    expect(t.summary).toEqual({ layers: 2, done: 0, current: 512 * 1024, total: 2 * 1024 * 1024 });
    t.add({ status: 'Already exists', id: 'b' });
    t.add({ status: 'Download complete', id: 'a' });
    t.add({ status: 'Pull complete', id: 'a' });
    expect(t.summary).toMatchObject({ layers: 2, done: 2, current: 2 * 1024 * 1024 });
    expect(t.percent()).toBe(100);
    expect(t.line('x')).toBe('pulling x: 2/2 layers, 2 MB of 2 MB downloaded');
  });
});
