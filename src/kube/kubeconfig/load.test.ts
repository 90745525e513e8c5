import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PaddockError } from '../../shared/errors.js';
import { defaultFilename, loadKubeconfig, loadKubeconfigFile, mergeKubeconfigs, parseKubeconfig } from './load.js';
import { testdata, useTempKube, writeText, type TempKube } from './testing.js';
import { serializeKubeconfig } from './write.js';

function expectInvalid(fn: () => unknown, file: string, line?: number): PaddockError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PaddockError);
    const err = e as PaddockError;
    expect(err.code).toBe('KUBECONFIG_INVALID');
    expect(err.message).toContain(file);
    if (line !== undefined) expect(err.message).toContain(`line ${line}`);
    expect(err.remedy).toMatch(/never rewrites/);
    return err;
  }
  throw new Error('expected KUBECONFIG_INVALID');
}

describe('parseKubeconfig', () => {
  const invalid: { file: string; line: number; says: RegExp }[] = [
    { file: 'invalid-unclosed-flow.yaml', line: 6, says: /flow collection|expected/ },
    { file: 'invalid-duplicate-context.yaml', line: 8, says: /"a" appears twice in "contexts"/ },
    { file: 'invalid-not-mapping.yaml', line: 1, says: /not a mapping/ },
    { file: 'invalid-section-not-list.yaml', line: 3, says: /"clusters" is not a list/ },
    { file: 'invalid-tab-indent.yaml', line: 5, says: /tab/ },
  ];
  it.each(invalid)('$file is refused with file and line', async ({ file, line, says }) => {
    const p = testdata(file);
    const text = await fs.readFile(p, 'utf8');
    const err = expectInvalid(() => parseKubeconfig(text, p), p, line);
    expect(err.message).toMatch(says);
  });

  const unsafe: { file: string; line: number; current: string }[] = [
    { file: 'unsafe-duplicate-key.yaml', line: 7, current: 'b' },
    { file: 'unsafe-two-documents.yaml', line: 7, current: 'a' },
  ];
  it.each(unsafe)('$file: readable like kubectl, refused for writing', async ({ file, line, current }) => {
    const p = testdata(file);
    const text = await fs.readFile(p, 'utf8');
    expect(parseKubeconfig(text, p, 'read')['current-context']).toBe(current);
    const err = expectInvalid(() => parseKubeconfig(text, p, 'strict'), p, line);
    expect(err.message).toMatch(/would lose/);
  });

  const valid = ['valid-extensions.yaml', 'valid-kubectl-written.yaml', 'valid-empty.yaml'];
  it.each(valid)('%s survives a round trip with every field', async (file) => {
    const p = testdata(file);
    const doc = parseKubeconfig(await fs.readFile(p, 'utf8'), p);
    const again = parseKubeconfig(serializeKubeconfig(doc), p);
    expect(again).toEqual(doc);
    expect(Object.keys(again)).toEqual(Object.keys(doc));
  });

  it('keeps strings YAML 1.1 would misread, timestamps and unknown keys', async () => {
    const p = testdata('valid-extensions.yaml');
    const text = serializeKubeconfig(parseKubeconfig(await fs.readFile(p, 'utf8'), p));
    expect(text).toContain("value: 'on'");
    expect(text).toContain("expiry: '2024-01-01T00:00:00Z'");
    expect(text).toContain('x-vendor-field:');
    expect(text).toContain('unknown-entry-key: kept');
    expect(text).toContain('tls-server-name: api.prod');
    // Long base64 is never folded over lines.
    expect(text).toMatch(/certificate-authority-data: LS0t\S{300,}\n/);
  });

  it('expands merge keys as Go yaml does', () => {
    const doc = parseKubeconfig('base: &b {server: https://x}\nclusters:\n- name: a\n  cluster:\n    <<: *b\n    tls-server-name: y\n', 'f');
    expect((doc.clusters as { cluster: unknown }[])[0]?.cluster).toEqual({ server: 'https://x', 'tls-server-name': 'y' });
  });
});

describe('merge with kubectl rules', () => {
  let t: TempKube;
  beforeEach(async () => {
    t = await useTempKube();
  });
  afterEach(async () => t.restore());

  const fileA = `apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster: {server: https://from-a}
users:
- name: u
  user: {token: a}
contexts:
- name: one
  context: {cluster: shared, user: u, namespace: a-ns}
current-context: ""
`;
  const fileB = `apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster: {server: https://from-b}
- name: only-b
  cluster: {server: https://b}
contexts:
- name: one
  context: {cluster: only-b, user: u}
- name: two
  context: {cluster: only-b, user: u}
current-context: two
`;

  it('first file wins each name; current-context from the first file that sets it; origins remembered', async () => {
    const a = path.join(t.dir, 'a');
    const b = path.join(t.dir, 'b');
    await writeText(a, fileA);
    await writeText(b, fileB);
    process.env.KUBECONFIG = [a, path.join(t.dir, 'missing'), b, a].join(path.delimiter);
    const m = await loadKubeconfig();
    expect(m.files.map((f) => [path.basename(f.path), f.exists])).toEqual([
      ['a', true],
      ['missing', false],
      ['b', true],
    ]);
    expect(m.clusters.get('shared')).toMatchObject({ file: a, value: { server: 'https://from-a' } });
    expect(m.clusters.get('only-b')?.file).toBe(b);
    expect(m.contexts.get('one')).toMatchObject({ file: a, value: { namespace: 'a-ns' } });
    expect(m.contexts.get('two')?.file).toBe(b);
    expect(m.currentContext).toBe('two');
    expect(m.currentContextFile).toBe(b);
  });

  it('default file for new entries: first existing file, else the first', () => {
    const f = (p: string, exists: boolean) => ({ path: p, exists });
    expect(defaultFilename([f('/x', false), f('/y', true), f('/z', true)])).toBe('/y');
    expect(defaultFilename([f('/x', false), f('/y', false)])).toBe('/x');
  });

  it('without KUBECONFIG reads ~/.kube/config; a missing file is an empty config', async () => {
    const m = await loadKubeconfig();
    expect(m.files).toEqual([{ path: t.config, exists: false, text: '', doc: {} }]);
    expect(m.contexts.size).toBe(0);
    await writeText(t.config, fileB);
    expect([...(await loadKubeconfig()).contexts.keys()]).toEqual(['one', 'two']);
  });

  it('an unreadable path (a folder) is reported, not skipped', async () => {
    await fs.mkdir(path.join(t.dir, 'dir'));
    await expect(loadKubeconfigFile(path.join(t.dir, 'dir'))).rejects.toMatchObject({ code: 'KUBECONFIG_INVALID' });
  });

  it('merge of parsed docs is pure', () => {
    const m = mergeKubeconfigs([
      { path: 'p', exists: true, text: '', doc: { contexts: [{ name: 'c', context: null }] } },
    ]);
    expect(m.contexts.get('c')).toEqual({ name: 'c', file: 'p', value: {} });
  });
});
