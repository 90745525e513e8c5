import { describe, expect, it } from 'vitest';
import { entryNames, getEntry } from './edits.js';
import { mergeKubeconfigs, parseKubeconfig, type KubeconfigDoc, type MergedKubeconfig } from './load.js';
import {
  planDeleteContext,
  planRemoveOwned,
  planRenameContext,
  planSetNamespace,
  planUpsertEntries,
  planUseContext,
} from './plan.js';
import type { Plan } from './write.js';

/** Three files: A (exists), MISSING, B (exists); B sets current-context. */
function world(over: { a?: string; b?: string } = {}): MergedKubeconfig {
  const a =
    over.a ??
    `clusters:
- {name: shared, cluster: {server: https://a}}
users:
- {name: admin, user: {token: a}}
contexts:
- {name: a1, context: {cluster: shared, user: admin}}
`;
  const b =
    over.b ??
    `clusters:
- {name: b-only, cluster: {server: https://b}}
- {name: shared, cluster: {server: https://shadowed}}
users:
- {name: b-user, user: {token: b}}
contexts:
- {name: b1, context: {cluster: b-only, user: b-user}}
- {name: b2, context: {cluster: shared, user: admin}}
current-context: b1
`;
  return mergeKubeconfigs([
    { path: 'A', exists: true, text: a, doc: parseKubeconfig(a, 'A') },
    { path: 'MISSING', exists: false, text: '', doc: {} },
    { path: 'B', exists: true, text: b, doc: parseKubeconfig(b, 'B') },
  ]);
}

const changed = (p: Plan<unknown>) => Object.fromEntries(p.changes.map((c) => [c.file, c.doc])) as Record<string, KubeconfigDoc>;

describe('use', () => {
  it('writes a new current-context into the default file (first existing), as client-go does', () => {
    const out = changed(planUseContext(world(), 'a1'));
    expect(Object.keys(out)).toEqual(['A']);
    expect(out.A?.['current-context']).toBe('a1');
  });
  it('is a no-op when already current', () => {
    expect(planUseContext(world(), 'b1').changes).toEqual([]);
  });
  it('unknown context: CONTEXT_NOT_FOUND listing the known ones', () => {
    expect(() => planUseContext(world(), 'nope')).toThrowError(expect.objectContaining({ code: 'CONTEXT_NOT_FOUND', remedy: expect.stringContaining('a1, b1, b2') }));
  });
});

describe('rename', () => {
  it('renames in the file that holds the context; current-context follows in its own file', () => {
    const out = changed(planRenameContext(world(), 'b1', 'prod'));
    expect(Object.keys(out)).toEqual(['B']);
    expect(entryNames(out.B ?? {}, 'contexts')).toEqual(['prod', 'b2']);
    expect(out.B?.['current-context']).toBe('prod');
  });
  it('current-context set in another file is moved there', () => {
    const m = world({ a: 'contexts:\n- {name: a1, context: {cluster: shared}}\ncurrent-context: b1\n' });
    const out = changed(planRenameContext(m, 'b1', 'x'));
    expect(out.A?.['current-context']).toBe('x');
    expect(entryNames(out.B ?? {}, 'contexts')).toContain('x');
  });
  it('refuses to overwrite an existing name', () => {
    expect(() => planRenameContext(world(), 'a1', 'b2')).toThrowError(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('delete', () => {
  it('removes cluster and user no other context uses, across files; unsets current', () => {
    const p = planDeleteContext(world(), 'b1');
    expect(p.result).toEqual({ removedCluster: 'b-only', removedUser: 'b-user', unsetCurrent: true });
    const out = changed(p);
    expect(Object.keys(out)).toEqual(['B']);
    expect(entryNames(out.B ?? {}, 'contexts')).toEqual(['b2']);
    expect(entryNames(out.B ?? {}, 'clusters')).toEqual(['shared']);
    expect(entryNames(out.B ?? {}, 'users')).toEqual([]);
    expect(out.B?.['current-context']).toBe('');
  });
  it('keeps a cluster and user still used by a context in another file', () => {
    const p = planDeleteContext(world(), 'a1');
    expect(p.result).toEqual({ unsetCurrent: false });
    expect(entryNames(changed(p).A ?? {}, 'clusters')).toEqual(['shared']);
  });
  it('removes the winning cluster entry from the file that holds it', () => {
    const m = world({ b: 'clusters:\n- {name: shared, cluster: {server: https://shadowed}}\n' });
    const p = planDeleteContext(m, 'a1');
    expect(p.result).toMatchObject({ removedCluster: 'shared', removedUser: 'admin' });
    const out = changed(p);
    expect(Object.keys(out)).toEqual(['A']);
    expect(entryNames(out.A ?? {}, 'clusters')).toEqual([]);
  });
  it('a same-named context in a later file takes over: current-context stays', () => {
    const m = world({ a: 'contexts:\n- {name: b1, context: {cluster: shared}}\n' });
    const p = planDeleteContext(m, 'b1');
    expect(p.result.unsetCurrent).toBe(false);
    expect(Object.keys(changed(p))).toEqual(['A']);
  });
});

describe('namespace', () => {
  it('is set in the file holding the context', () => {
    const out = changed(planSetNamespace(world(), 'b2', 'team'));
    expect(getEntry(out.B ?? {}, 'contexts', 'b2')).toEqual({ cluster: 'shared', user: 'admin', namespace: 'team' });
  });
});

describe('upsert entries', () => {
  it('new entries go to the default file, existing ones stay where they are', () => {
    const p = planUpsertEntries(
      world(),
      [
        { section: 'clusters', name: 'b-only', body: { server: 'https://b2' } },
        { section: 'clusters', name: 'new', body: { server: 'https://n' } },
        { section: 'contexts', name: 'new', body: { cluster: 'new', user: 'admin' } },
      ],
      'new',
    );
    const out = changed(p);
    expect(getEntry(out.B ?? {}, 'clusters', 'b-only')).toEqual({ server: 'https://b2' });
    expect(entryNames(out.A ?? {}, 'clusters')).toEqual(['shared', 'new']);
    expect(out.A?.['current-context']).toBe('new');
    expect(p.result.file).toBe('A');
  });
  it('into nothing but missing files: the first file, created with the kubectl skeleton', () => {
    const m = mergeKubeconfigs([
      { path: 'X', exists: false, text: '', doc: {} },
      { path: 'Y', exists: false, text: '', doc: {} },
    ]);
    const out = changed(planUpsertEntries(m, [{ section: 'users', name: 'u', body: { token: 't' } }]));
    expect(Object.keys(out)).toEqual(['X']);
    expect(out.X?.apiVersion).toBe('v1');
  });
});

describe('remove Paddock-owned entries', () => {
  const owned = `clusters:
- {name: paddock-dev, cluster: {server: https://127.0.0.1:6443}}
users:
- {name: paddock-dev, user: {token: p}}
contexts:
- {name: paddock-dev, context: {cluster: paddock-dev, user: paddock-dev}}
- {name: renamed-dev, context: {cluster: paddock-dev, user: paddock-dev}}
- {name: keep, context: {cluster: other, user: other}}
current-context: renamed-dev
`;
  it('removes them from every file, with contexts renamed by the user, and unsets current', () => {
    const m = world({ a: owned, b: 'contexts:\n- {name: paddock-dev, context: {cluster: paddock-dev}}\ncurrent-context: paddock-dev\n' });
    const p = planRemoveOwned(m, { contexts: ['paddock-dev'], clusters: ['paddock-dev'], users: ['paddock-dev'] });
    expect(p.result).toEqual({ contexts: ['paddock-dev', 'renamed-dev'], clusters: ['paddock-dev'], users: ['paddock-dev'], unsetCurrent: true });
    const out = changed(p);
    expect(entryNames(out.A ?? {}, 'contexts')).toEqual(['keep']);
    expect(out.A?.['current-context']).toBe('');
    expect(entryNames(out.B ?? {}, 'contexts')).toEqual([]);
    expect(out.B?.['current-context']).toBe('');
  });
  it('nothing to remove: no change', () => {
    expect(planRemoveOwned(world(), { contexts: ['paddock-x'], clusters: ['paddock-x'], users: ['paddock-x'] }).changes).toEqual([]);
  });
});
