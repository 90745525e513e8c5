/**
 * Pure planners: from the merged, freshly re-read kubeconfig to the new
 * documents of the files that must change, following client-go's
 * ModifyConfig rules:
 * - an existing entry is changed in the file it comes from (LocationOfOrigin);
 * - a new entry, and a new current-context, go to the default file (the
 *   first file of the list that exists, else the first);
 * - clearing current-context clears it in the first file that sets it.
 */
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import * as edits from './edits.js';
import { contextFields, defaultFilename, SECTIONS, type KubeconfigDoc, type MergedKubeconfig, type Section } from './load.js';
import type { KubeconfigChange, Plan } from './write.js';

/** Documents being edited, cloned lazily; `changes()` lists the touched ones. */
class Working {
  private docs = new Map<string, KubeconfigDoc>();
  constructor(private merged: MergedKubeconfig) {}
  get(file: string): KubeconfigDoc {
    const d = this.docs.get(file) ?? this.merged.files.find((f) => f.path === file)?.doc;
    if (!d) throw new PaddockError(ErrorCodes.INTERNAL, `${file} is not part of the loaded kubeconfig`);
    return d;
  }
  edit(file: string, fn: (d: KubeconfigDoc) => KubeconfigDoc): void {
    const before = this.get(file);
    const after = fn(before);
    if (after !== before) this.docs.set(file, after);
  }
  changes(): KubeconfigChange[] {
    return [...this.docs].map(([file, doc]) => ({ file, doc }));
  }
}

export function contextNotFound(name: string, merged: MergedKubeconfig): PaddockError {
  const known = [...merged.contexts.keys()];
  return new PaddockError(ErrorCodes.CONTEXT_NOT_FOUND, `no context named "${name}" in ${merged.files.map((f) => f.path).join(', ')}`, {
    remedy: known.length > 0 ? `known contexts: ${known.join(', ')} (see "paddock context list")` : 'the kubeconfig has no contexts yet; create a cluster with "paddock create"',
  });
}

/** Makes `name` the current context (kubectl config use-context). */
export function planUseContext(m: MergedKubeconfig, name: string): Plan<void> {
  if (!m.contexts.has(name)) throw contextNotFound(name, m);
  const w = new Working(m);
  if (m.currentContext !== name) w.edit(defaultFilename(m.files), (d) => edits.setCurrentContext(d, name));
  return { changes: w.changes(), result: undefined };
}

function clearCurrentIn(w: Working, m: MergedKubeconfig, names: Set<string>): void {
  // Clear every file whose current-context names a removed context, so a
  // shadowed one in a later file does not come back as the current one.
  for (const f of m.files) {
    const cc = w.get(f.path)['current-context'];
    if (typeof cc === 'string' && names.has(cc)) w.edit(f.path, (d) => edits.setCurrentContext(d, ''));
  }
}

/** kubectl config rename-context: in place, in the file holding it; current-context follows. */
export function planRenameContext(m: MergedKubeconfig, from: string, to: string): Plan<void> {
  const ctx = m.contexts.get(from);
  if (!ctx) throw contextNotFound(from, m);
  const w = new Working(m);
  if (from === to) return { changes: [], result: undefined };
  if (m.contexts.has(to)) {
    throw new PaddockError(ErrorCodes.USAGE, `cannot rename context "${from}" to "${to}": a context named "${to}" already exists (in ${m.contexts.get(to)?.file})`, {
      remedy: `choose another name, or delete "${to}" first`,
    });
  }
  w.edit(ctx.file, (d) => edits.renameContextEntry(d, from, to));
  if (m.currentContext === from && m.currentContextFile && m.currentContextFile !== ctx.file) {
    w.edit(m.currentContextFile, (d) => edits.setCurrentContext(d, to));
  }
  return { changes: w.changes(), result: undefined };
}

/** Every context entry of every file (shadowed ones too), with its file. */
function allContextEntries(m: MergedKubeconfig, w: Working): { file: string; name: string; cluster?: string; user?: string }[] {
  const out: { file: string; name: string; cluster?: string; user?: string }[] = [];
  for (const f of m.files) {
    const doc = w.get(f.path);
    for (const name of edits.entryNames(doc, 'contexts')) {
      out.push({ file: f.path, name, ...contextFields(edits.getEntry(doc, 'contexts', name) ?? {}) });
    }
  }
  return out;
}

export interface DeleteContextResult {
  removedCluster?: string;
  removedUser?: string;
  unsetCurrent: boolean;
}

/**
 * Deletes the context from the file holding it, then its cluster and user
 * entries when no other context in any file still refers to them. Unlike
 * kubectl (which only warns), a deleted current context is also unset.
 */
export function planDeleteContext(m: MergedKubeconfig, name: string): Plan<DeleteContextResult> {
  const ctx = m.contexts.get(name);
  if (!ctx) throw contextNotFound(name, m);
  const w = new Working(m);
  w.edit(ctx.file, (d) => edits.removeEntry(d, 'contexts', name));
  const { cluster, user } = contextFields(ctx.value);
  const rest = allContextEntries(m, w);
  const result: DeleteContextResult = { unsetCurrent: false };
  if (cluster && !rest.some((c) => c.cluster === cluster)) {
    const entry = m.clusters.get(cluster);
    if (entry) {
      w.edit(entry.file, (d) => edits.removeEntry(d, 'clusters', cluster));
      result.removedCluster = cluster;
    }
  }
  if (user && !rest.some((c) => c.user === user)) {
    const entry = m.users.get(user);
    if (entry) {
      w.edit(entry.file, (d) => edits.removeEntry(d, 'users', user));
      result.removedUser = user;
    }
  }
  // A same-named context in a later file now takes over; then the name still resolves.
  if (m.currentContext === name && !rest.some((c) => c.name === name)) {
    clearCurrentIn(w, m, new Set([name]));
    result.unsetCurrent = true;
  }
  return { changes: w.changes(), result };
}

/** Sets the context's namespace in the file holding it ('' removes it). */
export function planSetNamespace(m: MergedKubeconfig, context: string, namespace: string): Plan<void> {
  const ctx = m.contexts.get(context);
  if (!ctx) throw contextNotFound(context, m);
  const w = new Working(m);
  w.edit(ctx.file, (d) => edits.setContextNamespace(d, context, namespace));
  return { changes: w.changes(), result: undefined };
}

export interface EntryUpsert {
  section: Section;
  name: string;
  body: edits.EntryBody;
}

/** Adds or replaces entries (existing ones in their file, new ones in the default file); optionally makes a context current. */
export function planUpsertEntries(m: MergedKubeconfig, entries: EntryUpsert[], setCurrent?: string): Plan<{ file: string }> {
  const w = new Working(m);
  const target = defaultFilename(m.files);
  for (const e of entries) {
    const file = m[e.section].get(e.name)?.file ?? target;
    w.edit(file, (d) => edits.upsertEntry(d, e.section, e.name, e.body));
  }
  if (setCurrent !== undefined && m.currentContext !== setCurrent) w.edit(target, (d) => edits.setCurrentContext(d, setCurrent));
  return { changes: w.changes(), result: { file: m.contexts.get(entries.find((e) => e.section === 'contexts')?.name ?? '')?.file ?? target } };
}

export interface RemovedEntries {
  contexts: string[];
  clusters: string[];
  users: string[];
  unsetCurrent: boolean;
}

/**
 * Removes entries owned by Paddock from every file that has them (a stale
 * copy in a later file must not resurface), and contexts that point at a
 * removed cluster (a renamed `paddock-<name>` context). A current context
 * that disappears is unset, as kind does.
 */
export function planRemoveOwned(m: MergedKubeconfig, names: { contexts: string[]; clusters: string[]; users: string[] }): Plan<RemovedEntries> {
  const w = new Working(m);
  const removed: RemovedEntries = { contexts: [], clusters: [], users: [], unsetCurrent: false };
  const clusterSet = new Set(names.clusters);
  const contextSet = new Set(names.contexts);
  for (const c of allContextEntries(m, w)) if (c.cluster && clusterSet.has(c.cluster)) contextSet.add(c.name);
  const want: Record<Section, Set<string>> = { contexts: contextSet, clusters: clusterSet, users: new Set(names.users) };
  for (const f of m.files) {
    for (const section of SECTIONS) {
      for (const name of want[section]) {
        if (!edits.hasEntry(w.get(f.path), section, name)) continue;
        w.edit(f.path, (d) => edits.removeEntry(d, section, name));
        if (!removed[section].includes(name)) removed[section].push(name);
      }
    }
  }
  if (m.currentContext !== undefined && contextSet.has(m.currentContext)) {
    clearCurrentIn(w, m, contextSet);
    removed.unsetCurrent = true;
  }
  return { changes: w.changes(), result: removed };
}
