import fs from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { PaddockError } from '../../shared/errors.js';
import os from 'node:os';
import { checkDiskSpace, normalizeRef, validateVersion } from './build.js';
import { DEFAULT_KUBERNETES_VERSION, defaultNodeImageName, imagesDir, LOCAL_PATH_HELPER_IMAGE, LOCAL_PATH_IMAGE, PADDOCKNET_IMAGE, SUPPORTED_KUBERNETES_VERSIONS } from './recipe.js';
import { classifyFailure, tail } from './run.js';

describe('versions', () => {
  it('the default is supported and named paddock/node:<version>', () => {
    expect(SUPPORTED_KUBERNETES_VERSIONS).toContain(DEFAULT_KUBERNETES_VERSION);
    expect(defaultNodeImageName('v1.36.3')).toBe('paddock/node:v1.36.3');
  });

  it('an unknown version is a USAGE error that lists the supported ones', () => {
    try {
      validateVersion('v1.99.0');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PaddockError);
      const err = e as PaddockError;
      expect(err.code).toBe('USAGE');
      for (const v of SUPPORTED_KUBERNETES_VERSIONS) expect(err.remedy).toContain(v);
    }
    expect(validateVersion(DEFAULT_KUBERNETES_VERSION)).toBe(DEFAULT_KUBERNETES_VERSION);
  });
});

describe('normalizeRef (names as containerd stores them)', () => {
  it.each([
    ['busybox:1', 'docker.io/library/busybox:1'],
    ['paddock-stage/etcd:abc', 'docker.io/paddock-stage/etcd:abc'],
    ['registry.k8s.io/pause:3.10.2', 'registry.k8s.io/pause:3.10.2'],
    ['localhost/x:1', 'localhost/x:1'],
    ['host:5000/x:1', 'host:5000/x:1'],
  ])('%s → %s', (input, want) => {
    expect(normalizeRef(input)).toBe(want);
  });
});

describe('build errors', () => {
  it('disk full becomes DISK_FULL with df advice', () => {
    const e = classifyFailure('docker', 'saving images', 'write /x: no space left on device');
    expect(e.code).toBe('DISK_FULL');
    expect(e.remedy).toMatch(/df -h/);
  });

  it('a module that does not resolve names the module and says IMAGE_BUILD_FAILED', () => {
    const out = 'go: downloading k8s.io/kubernetes v1.99.0\ngo: k8s.io/kubernetes@v1.99.0: reading https://proxy.golang.org/k8s.io/kubernetes/@v/v1.99.0.info: 404 Not Found';
    const e = classifyFailure('go', 'building kubernetes', out);
    expect(e.code).toBe('IMAGE_BUILD_FAILED');
    expect(e.message).toMatch(/Go module did not resolve/);
    expect(e.output).toContain('k8s.io/kubernetes@v1.99.0');
  });

  it('Docker going away is DOCKER_UNREACHABLE', () => {
    const e = classifyFailure('docker', 'building', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
    expect(e.code).toBe('DOCKER_UNREACHABLE');
  });

  it('other failures keep the tail of the output', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const e = classifyFailure('gcc', 'compiling pause', lines);
    expect(e.code).toBe('IMAGE_BUILD_FAILED');
    expect(e.output?.split('\n')).toHaveLength(40);
    expect(e.output).toContain('line 99');
    expect(tail('a\n\nb\n', 1)).toBe('b');
  });
});

describe('manifests shipped in the node image', () => {
  const load = async (f: string): Promise<Array<Record<string, any>>> =>
    (yaml.loadAll(await fs.readFile(path.join(imagesDir(), 'node/manifests', f), 'utf8')) as Array<Record<string, any>>).filter(Boolean);

  it('default-cni.yaml: paddocknet DaemonSet, preloaded image, tolerates everything, no template placeholders', async () => {
    const raw = await fs.readFile(path.join(imagesDir(), 'node/manifests/default-cni.yaml'), 'utf8');
    expect(raw).not.toMatch(/\{\{/);
    const ds = (await load('default-cni.yaml')).find((d) => d.kind === 'DaemonSet');
    const spec = ds?.spec.template.spec;
    expect(spec.hostNetwork).toBe(true);
    expect(spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(spec.containers[0].image).toBe(PADDOCKNET_IMAGE);
    expect(spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(spec.containers[0].securityContext.capabilities.add).toContain('NET_ADMIN');
  });

  it('default-storage.yaml: default StorageClass "standard" and the preloaded images', async () => {
    const docs = await load('default-storage.yaml');
    const sc = docs.find((d) => d.kind === 'StorageClass');
    expect(sc?.metadata.name).toBe('standard');
    expect(sc?.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('true');
    const dep = docs.find((d) => d.kind === 'Deployment');
    const c = dep?.spec.template.spec.containers[0];
    expect(c.image).toBe(LOCAL_PATH_IMAGE);
    expect(c.command).toContain(LOCAL_PATH_HELPER_IMAGE);
    const cm = docs.find((d) => d.kind === 'ConfigMap');
    expect(cm?.data['helperPod.yaml']).toContain(LOCAL_PATH_HELPER_IMAGE);
  });
});

describe('disk space check', () => {
  it('too little free space is DISK_FULL with df advice', async () => {
    await expect(checkDiskSpace([os.tmpdir()], Number.MAX_SAFE_INTEGER)).rejects.toMatchObject({
      code: 'DISK_FULL',
      remedy: expect.stringMatching(/df -h/),
    });
  });
  it('enough space passes, also for a folder that does not exist yet', async () => {
    await expect(checkDiskSpace([`${os.tmpdir()}/paddock-not-there-yet/x`], 1)).resolves.toBeUndefined();
  });
});
