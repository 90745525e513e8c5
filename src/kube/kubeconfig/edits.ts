/**
 * Pure edits of one raw kubeconfig document. Each returns a new document and
 * leaves the input untouched; every key Paddock does not know (extensions,
 * preferences, fields of newer kubectl versions) and the order of keys and
 * entries survive. Only the named entry or field changes.
 */
import { INNER_KEY, isMapping, type KubeconfigDoc, type Section } from './load.js';

export type EntryBody = Record<string, unknown>;

/** What kubectl writes into a new file, so a file Paddock creates looks familiar. */
export function newKubeconfigDoc(): KubeconfigDoc {
  return { apiVersion: 'v1', kind: 'Config', preferences: {}, clusters: [], users: [], contexts: [], 'current-context': '' };
}

function clone(doc: KubeconfigDoc): KubeconfigDoc {
  return Object.keys(doc).length === 0 ? newKubeconfigDoc() : structuredClone(doc);
}

function list(doc: KubeconfigDoc, section: Section): Record<string, unknown>[] {
  const l = doc[section];
  if (Array.isArray(l)) return l as Record<string, unknown>[];
  const fresh: Record<string, unknown>[] = [];
  doc[section] = fresh; // replaces `clusters: null` in place, or appends the key
  return fresh;
}

function indexOf(doc: KubeconfigDoc, section: Section, name: string): number {
  const l = doc[section];
  return Array.isArray(l) ? l.findIndex((e) => isMapping(e) && e.name === name) : -1;
}

export function hasEntry(doc: KubeconfigDoc, section: Section, name: string): boolean {
  return indexOf(doc, section, name) >= 0;
}

/** The entry's body (`cluster:`/`user:`/`context:`), or undefined. */
export function getEntry(doc: KubeconfigDoc, section: Section, name: string): EntryBody | undefined {
  const i = indexOf(doc, section, name);
  if (i < 0) return undefined;
  const body = (doc[section] as Record<string, unknown>[])[i]?.[INNER_KEY[section]];
  return isMapping(body) ? body : {};
}

export function entryNames(doc: KubeconfigDoc, section: Section): string[] {
  const l = doc[section];
  return Array.isArray(l) ? l.filter(isMapping).map((e) => String(e.name)) : [];
}

/**
 * Adds the entry, or replaces the body of the existing one in place
 * (keeping its position and any sibling keys next to `name`).
 */
export function upsertEntry(doc: KubeconfigDoc, section: Section, name: string, body: EntryBody): KubeconfigDoc {
  const out = clone(doc);
  const l = list(out, section);
  const i = indexOf(out, section, name);
  if (i >= 0) (l[i] as Record<string, unknown>)[INNER_KEY[section]] = structuredClone(body);
  else l.push({ name, [INNER_KEY[section]]: structuredClone(body) });
  return out;
}

export function removeEntry(doc: KubeconfigDoc, section: Section, name: string): KubeconfigDoc {
  if (!hasEntry(doc, section, name)) return doc;
  const out = structuredClone(doc);
  out[section] = (out[section] as unknown[]).filter((e) => !(isMapping(e) && e.name === name));
  return out;
}

/** Sets current-context; '' unsets it (kept as `current-context: ""`, as kubectl does). */
export function setCurrentContext(doc: KubeconfigDoc, name: string): KubeconfigDoc {
  const cur = doc['current-context'];
  if (cur === name || (name === '' && (cur === undefined || cur === null))) return doc;
  const out = clone(doc);
  out['current-context'] = name;
  return out;
}

/** Renames a context entry in place; this document's current-context follows it. */
export function renameContextEntry(doc: KubeconfigDoc, from: string, to: string): KubeconfigDoc {
  const i = indexOf(doc, 'contexts', from);
  if (i < 0 || from === to) return doc;
  const out = structuredClone(doc);
  ((out.contexts as Record<string, unknown>[])[i] as Record<string, unknown>).name = to;
  if (out['current-context'] === from) out['current-context'] = to;
  return out;
}

/** Sets (or with '' removes) a context's default namespace. */
export function setContextNamespace(doc: KubeconfigDoc, context: string, namespace: string): KubeconfigDoc {
  const i = indexOf(doc, 'contexts', context);
  if (i < 0) return doc;
  const out = structuredClone(doc);
  const entry = (out.contexts as Record<string, unknown>[])[i] as Record<string, unknown>;
  const body = isMapping(entry.context) ? entry.context : (entry.context = {});
  if (namespace === '') delete (body as Record<string, unknown>).namespace;
  else (body as Record<string, unknown>).namespace = namespace;
  return out;
}
