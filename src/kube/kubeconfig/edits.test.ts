import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as edits from './edits.js';
import { parseKubeconfig, type KubeconfigDoc } from './load.js';
import { testdata } from './testing.js';

const base = (): KubeconfigDoc =>
  parseKubeconfig(
    `apiVersion: v1
kind: Config
x-top: {keep: me}
clusters:
- name: c1
  cluster: {server: https://one, extensions: [{name: e, extension: {v: 1}}]}
  sibling: kept
- name: c2
  cluster: {server: https://two}
users:
- name: u1
  user: {token: t}
contexts:
- name: ctx1
  context: {cluster: c1, user: u1, extra-field: 7}
- name: ctx2
  context: {cluster: c2, user: u1}
current-context: ctx1
preferences: {}
`,
    'mem',
  );

describe('pure edits keep what they do not touch', () => {
  const cases: { name: string; edit: (d: KubeconfigDoc) => KubeconfigDoc; check: (d: KubeconfigDoc) => void }[] = [
    {
      name: 'upsert a new cluster appends it',
      edit: (d) => edits.upsertEntry(d, 'clusters', 'c3', { server: 'https://three' }),
      check: (d) => expect(edits.entryNames(d, 'clusters')).toEqual(['c1', 'c2', 'c3']),
    },
    {
      name: 'upsert an existing cluster replaces its body in place, keeps sibling keys',
      edit: (d) => edits.upsertEntry(d, 'clusters', 'c1', { server: 'https://new' }),
      check: (d) => {
        expect(edits.entryNames(d, 'clusters')).toEqual(['c1', 'c2']);
        expect((d.clusters as unknown[])[0]).toEqual({ name: 'c1', cluster: { server: 'https://new' }, sibling: 'kept' });
      },
    },
    {
      name: 'upsert a user into a section that is null',
      edit: (d) => edits.upsertEntry({ ...d, users: null }, 'users', 'u9', { token: 'x' }),
      check: (d) => {
        expect(edits.entryNames(d, 'users')).toEqual(['u9']);
        expect(Object.keys(d).indexOf('users')).toBe(4);
      },
    },
    {
      name: 'set current-context',
      edit: (d) => edits.setCurrentContext(d, 'ctx2'),
      check: (d) => expect(d['current-context']).toBe('ctx2'),
    },
    {
      name: 'unset current-context keeps the key, empty, like kubectl',
      edit: (d) => edits.setCurrentContext(d, ''),
      check: (d) => expect(d['current-context']).toBe(''),
    },
    {
      name: 'rename a context in place; current-context follows',
      edit: (d) => edits.renameContextEntry(d, 'ctx1', 'dev'),
      check: (d) => {
        expect(edits.entryNames(d, 'contexts')).toEqual(['dev', 'ctx2']);
        expect(d['current-context']).toBe('dev');
        expect(edits.getEntry(d, 'contexts', 'dev')).toEqual({ cluster: 'c1', user: 'u1', 'extra-field': 7 });
      },
    },
    {
      name: 'rename a non-current context leaves current-context',
      edit: (d) => edits.renameContextEntry(d, 'ctx2', 'other'),
      check: (d) => expect(d['current-context']).toBe('ctx1'),
    },
    {
      name: 'remove a context',
      edit: (d) => edits.removeEntry(d, 'contexts', 'ctx2'),
      check: (d) => expect(edits.entryNames(d, 'contexts')).toEqual(['ctx1']),
    },
    {
      name: 'set a namespace keeps other context fields',
      edit: (d) => edits.setContextNamespace(d, 'ctx1', 'team-a'),
      check: (d) => expect(edits.getEntry(d, 'contexts', 'ctx1')).toEqual({ cluster: 'c1', user: 'u1', 'extra-field': 7, namespace: 'team-a' }),
    },
    {
      name: 'empty namespace removes the field',
      edit: (d) => edits.setContextNamespace(edits.setContextNamespace(d, 'ctx2', 'x'), 'ctx2', ''),
      check: (d) => expect(edits.getEntry(d, 'contexts', 'ctx2')).toEqual({ cluster: 'c2', user: 'u1' }),
    },
  ];

  it.each(cases)('$name', ({ edit, check }) => {
    const input = base();
    const snapshot = structuredClone(input);
    const out = edit(input);
    expect(input).toEqual(snapshot); // pure
    check(out);
    expect(out['x-top']).toEqual({ keep: 'me' });
    expect(edits.getEntry(out, 'clusters', 'c1') ?? {}).toHaveProperty('server');
    expect(Object.keys(out).slice(0, 3)).toEqual(['apiVersion', 'kind', 'x-top']);
  });

  const noops: { name: string; edit: (d: KubeconfigDoc) => KubeconfigDoc }[] = [
    { name: 'remove a missing entry', edit: (d) => edits.removeEntry(d, 'users', 'nobody') },
    { name: 'rename a missing context', edit: (d) => edits.renameContextEntry(d, 'nope', 'x') },
    { name: 'set current to the same', edit: (d) => edits.setCurrentContext(d, 'ctx1') },
    { name: 'namespace of a missing context', edit: (d) => edits.setContextNamespace(d, 'nope', 'x') },
  ];
  it.each(noops)('no-op returns the same document: $name', ({ edit }) => {
    const d = base();
    expect(edit(d)).toBe(d);
  });

  it('upsert into an empty (new) file starts from the kubectl skeleton', () => {
    const d = edits.upsertEntry({}, 'contexts', 'x', { cluster: 'c', user: 'u' });
    expect(Object.keys(d)).toEqual(['apiVersion', 'kind', 'preferences', 'clusters', 'users', 'contexts', 'current-context']);
    expect(edits.getEntry(d, 'contexts', 'x')).toEqual({ cluster: 'c', user: 'u' });
  });

  it('extensions fixture: every unknown field survives an edit', async () => {
    const p = testdata('valid-extensions.yaml');
    const d = parseKubeconfig(await fs.readFile(p, 'utf8'), p);
    const out = edits.setContextNamespace(d, 'prod', 'other');
    const expected = structuredClone(d);
    ((expected.contexts as { context: Record<string, unknown> }[])[0] as { context: Record<string, unknown> }).context.namespace = 'other';
    expect(out).toEqual(expected);
  });
});
