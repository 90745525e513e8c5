import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogDir, findAddon, loadAddon, loadCatalog } from './catalog.js';
import { ADDON_IMAGES_DIR } from './images.js';
import { MANAGED_BY, ADDON_LABEL, renderManifests, renderString, renderUsage, resolveParams } from './render.js';

const catalog = loadCatalog();

describe('the addon catalog', () => {
  it('has the addons the issue asks for, dns and storage on by default', () => {
    const names = catalog.map((e) => e.spec.name);
    expect(names).toEqual(expect.arrayContaining(['dns', 'storage', 'ingress', 'load-balancer', 'metrics-server']));
    expect(catalog.filter((e) => e.spec.defaultEnabled).map((e) => e.spec.name).sort()).toEqual(['dns', 'storage']);
  });

  it('lists every folder with an addon.yaml', () => {
    const folders = fs.readdirSync(catalogDir(), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(catalog.map((e) => e.spec.name).sort()).toEqual(folders);
  });

  describe.each(catalog.map((e) => [e.spec.name, e] as const))('%s', (name, entry) => {
    const images = Object.fromEntries(entry.spec.images.map((i) => [i.name, `example.test/${i.name}:tag`]));
    const objects = renderManifests(entry, { cluster: 'unit', params: resolveParams(entry.spec), images });

    it('renders with its defaults into labelled objects', () => {
      for (const o of objects) {
        expect(o.metadata.labels?.[MANAGED_BY], `${o.kind} ${o.metadata.name}`).toBe('paddock');
        expect(o.metadata.labels?.[ADDON_LABEL], `${o.kind} ${o.metadata.name}`).toBe(name);
        expect(JSON.stringify(o)).not.toMatch(/\{\{/);
      }
      // Round-trips as YAML, as it is sent to the API server.
      expect(yaml.loadAll(objects.map((o) => yaml.dump(o)).join('---\n'))).toEqual(objects);
    });

    it('uses an image of its own for every container', () => {
      const refs = JSON.stringify(objects).match(/"image":"[^"]+"/g) ?? [];
      for (const r of refs) expect(Object.values(images).map((i) => `"image":"${i}"`)).toContain(r);
    });

    it('has buildable images: a Go module per program, and digests for upstream refs', () => {
      for (const img of entry.spec.images) {
        if (img.build) {
          const dir = path.join(ADDON_IMAGES_DIR, img.build.program);
          expect(fs.existsSync(path.join(dir, 'go.mod')), dir).toBe(true);
          if (img.build.package !== '.') expect(fs.existsSync(path.join(dir, 'go.sum')), dir).toBe(true);
          for (const e of img.build.embed) expect(fs.existsSync(path.join(dir, e.from))).toBe(true);
        }
        if (img.upstream) expect(img.upstream).toMatch(/@sha256:[0-9a-f]{64}$/);
      }
    });

    it('checks readiness and tells how to use it', () => {
      expect(entry.spec.readiness.length).toBeGreaterThan(0);
      const hostPorts = Object.fromEntries(
        [...entry.spec.hostProxies, ...entry.spec.hostContainers].map((p) => [p.name, Object.fromEntries(p.ports.map((x, i) => [x.name, 30000 + i]))]),
      );
      expect(renderUsage(entry.spec, { cluster: { name: 'unit' }, params: resolveParams(entry.spec), hostPorts })).not.toMatch(/\{\{/);
    });

    it('node files render fully, under /etc/containerd/', () => {
      const hostPorts = Object.fromEntries([...entry.spec.hostProxies, ...entry.spec.hostContainers].map((p) => [p.name, Object.fromEntries(p.ports.map((x) => [x.name, 5001]))]));
      const containers = Object.fromEntries(entry.spec.hostContainers.map((h) => [h.name, `paddock-unit-addon-${name}-${h.name}`]));
      for (const f of entry.spec.nodeFiles) {
        const values = { cluster: { name: 'unit' }, params: resolveParams(entry.spec), hostPorts, containers };
        const p = String(renderString(f.path, values, name));
        expect(p).toMatch(/^\/etc\/containerd\/[^{}]+$/);
        expect(String(renderString(f.content, values, name))).not.toMatch(/\{\{/);
      }
    });

    it('rejects unknown settings with the list of known ones', () => {
      expect(() => resolveParams(entry.spec, { noSuchSetting: 'x' })).toThrow(/no setting "noSuchSetting"/);
    });
  });
});

describe('params', () => {
  const ingress = findAddon('ingress').spec;

  it.each([
    ['httpPort', '8080', 8080],
    ['httpPort', '0', 0],
  ])('%s=%s is accepted', (k, v, want) => {
    expect(resolveParams(ingress, { [k]: v })[k]).toBe(want);
  });

  it.each([
    ['httpPort', 'eighty'],
    ['httpPort', '70000'],
    ['replicas', '1.5'],
  ])('%s=%s is refused', (k, v) => {
    expect(() => resolveParams(ingress, { [k]: v })).toThrow(new RegExp(`--set ${k}=`));
  });

  it('a duration below its minimum is refused before anything is applied', () => {
    const ms = findAddon('metrics-server').spec;
    expect(() => resolveParams(ms, { resolution: '10s' })).toThrow(/must be at least 11s/);
    expect(resolveParams(ms, { resolution: '1m' }).resolution).toBe('1m');
  });

  it('a string param cannot inject YAML', () => {
    const dns = findAddon('dns');
    expect(() => resolveParams(dns.spec, { domain: 'x\n  evil: true' })).toThrow();
    const objs = renderManifests(dns, { cluster: 'u', params: resolveParams(dns.spec, { domain: 'example.internal' }), images: { coredns: 'c' } });
    expect(JSON.stringify(objs)).toContain('kubernetes example.internal in-addr.arpa');
  });

  it('a whole-value int placeholder becomes a number', () => {
    const objs = renderManifests(findAddon('ingress'), { cluster: 'u', params: resolveParams(ingress, { replicas: '3' }), images: { traefik: 't' } });
    const dep = objs.find((o) => o.kind === 'Deployment') as unknown as { spec: { replicas: unknown } };
    expect(dep.spec.replicas).toBe(3);
  });

  it('an unknown addon is a clear error', () => {
    expect(() => findAddon('nope')).toThrow(/unknown addon "nope"/);
  });
});

describe('invalid addon folders', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-addon-test-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, spec: unknown) => {
    fs.mkdirSync(path.join(tmp, name), { recursive: true });
    fs.writeFileSync(path.join(tmp, name, 'addon.yaml'), yaml.dump(spec));
    return path.join(tmp, name);
  };

  it.each([
    ['a name that differs from its folder', 'a1', { name: 'other', description: 'd', version: 'v1', usage: 'u' }, /differs from its folder/],
    ['a missing manifest', 'a2', { name: 'a2', description: 'd', version: 'v1', usage: 'u', manifests: ['x.yaml'] }, /manifest x.yaml is missing/],
    ['an image without a digest', 'a3', { name: 'a3', description: 'd', version: 'v1', usage: 'u', images: [{ name: 'i', upstream: 'x:1', preloaded: 'x:1' }] }, /sha256/],
    ['an image neither preloaded, built nor pulled', 'a4', { name: 'a4', description: 'd', version: 'v1', usage: 'u', images: [{ name: 'i' }] }, /needs preloaded, build or upstream/],
    ['no description', 'a5', { name: 'a5', version: 'v1', usage: 'u' }, /description/],
  ])('refuses %s', (_, folder, spec, msg) => {
    expect(() => loadAddon(write(folder, spec))).toThrow(msg);
  });
});
