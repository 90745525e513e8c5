/**
 * Reads kubeconfig files and merges them with kubectl's rules. The raw parsed
 * documents are kept as they are (unknown fields, extensions, order) so that
 * a write changes only what was asked; the merged view only points into them.
 */
import fs from 'node:fs/promises';
import yaml from 'js-yaml';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { kubeconfigPaths } from './paths.js';

export type KubeconfigDoc = Record<string, unknown>;
export type Section = 'clusters' | 'users' | 'contexts';
export const SECTIONS: readonly Section[] = ['clusters', 'users', 'contexts'];
/** The key holding an entry's body: `clusters: [{name, cluster: {...}}]`. */
export const INNER_KEY = { clusters: 'cluster', users: 'user', contexts: 'context' } as const;

/**
 * YAML 1.2 core types plus merge keys (`<<`), which Go's yaml reads too.
 * Timestamps and binary stay strings: a round trip must not turn
 * `2024-01-01` into `2024-01-01T00:00:00.000Z`.
 */
// @types/js-yaml does not declare `types`, which js-yaml 4 exports.
const mergeType = (yaml as unknown as { types: { merge: yaml.Type } }).types.merge;
export const LOAD_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [mergeType] });

export interface LoadedFile {
  path: string;
  exists: boolean;
  /** The bytes as read ('' when missing); used to skip no-op writes and for backups. */
  text: string;
  doc: KubeconfigDoc;
}

export interface Located {
  name: string;
  /** The file whose entry wins (the first in the loading order that has it). */
  file: string;
  /** The entry's body (`cluster:`, `user:` or `context:` mapping). */
  value: Record<string, unknown>;
}

export interface MergedKubeconfig {
  files: LoadedFile[];
  currentContext?: string;
  /** The file whose current-context wins. */
  currentContextFile?: string;
  clusters: Map<string, Located>;
  users: Map<string, Located>;
  contexts: Map<string, Located>;
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(file: string, problem: string, line?: number, output?: string): PaddockError {
  const where = line === undefined ? file : `${file}, line ${line}`;
  return new PaddockError(ErrorCodes.KUBECONFIG_INVALID, `the kubeconfig ${where} cannot be read: ${problem}`, {
    remedy: `fix ${file} by hand (kubectl cannot read it either); Paddock never rewrites a file it cannot parse`,
    output,
  });
}

/** Best-effort line (1-based) of the occurrence-th `name: <name>`, for structural errors. */
function lineOfName(text: string, name: string, occurrence = 0): number | undefined {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(^|[\\s{,-])name:\\s*["']?${esc}["']?\\s*([,}]|$)`);
  let seen = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (re.test(lines[i] ?? '') && seen++ === occurrence) return i + 1;
  }
  return undefined;
}

/**
 * 'strict' (every write): also refuses what kubectl tolerates but a rewrite
 * would lose — a key given twice, a second YAML document. 'read' (listing,
 * watching): reads such files as kubectl does.
 */
export type ParseMode = 'strict' | 'read';

/**
 * Parses one file's text. Rejects what client-go rejects: YAML errors, a
 * top level that is not a mapping, sections that are not lists, entries
 * without a name, and the same name twice in one list.
 */
export function parseKubeconfig(text: string, file: string, mode: ParseMode = 'strict'): KubeconfigDoc {
  let parsed: unknown;
  try {
    if (mode === 'strict') {
      parsed = yaml.load(text, { schema: LOAD_SCHEMA, filename: file });
    } else {
      // kubectl's reader keeps the last of duplicated keys and ignores every
      // document after the first; a read-only view may do the same.
      parsed = yaml.loadAll(text, undefined, { schema: LOAD_SCHEMA, filename: file, json: true })[0];
    }
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      const line = e.mark ? e.mark.line + 1 : secondDocumentLine(text);
      let reason = e.reason || 'invalid YAML';
      if (/duplicated mapping key|single document/.test(reason)) {
        reason += ' (kubectl reads only part of such a file, and rewriting it would lose the rest)';
      }
      throw invalid(file, reason, line, e.message);
    }
    throw invalid(file, e instanceof Error ? e.message : String(e));
  }
  if (parsed === undefined || parsed === null) return {};
  if (!isMapping(parsed)) throw invalid(file, 'the top level is not a mapping (expected apiVersion, kind, clusters, users, contexts)', 1);
  const cc = parsed['current-context'];
  if (cc !== undefined && cc !== null && typeof cc !== 'string') {
    throw invalid(file, 'current-context is not a string', lineOfKey(text, 'current-context'));
  }
  for (const section of SECTIONS) {
    const list = parsed[section];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw invalid(file, `"${section}" is not a list`, lineOfKey(text, section));
    const names = new Map<string, number>();
    list.forEach((entry, i) => {
      if (!isMapping(entry)) throw invalid(file, `entry ${i + 1} of "${section}" is not a mapping`, lineOfKey(text, section));
      const name = entry.name;
      if (typeof name !== 'string') throw invalid(file, `entry ${i + 1} of "${section}" has no name`, lineOfKey(text, section));
      const body = entry[INNER_KEY[section]];
      if (body !== undefined && body !== null && !isMapping(body)) {
        throw invalid(file, `"${INNER_KEY[section]}" of ${section} entry "${name}" is not a mapping`, lineOfName(text, name));
      }
      const count = names.get(name) ?? 0;
      if (count > 0) {
        throw invalid(file, `the name "${name}" appears twice in "${section}" (kubectl refuses such a file too)`, lineOfName(text, name, count));
      }
      names.set(name, count + 1);
    });
  }
  return parsed;
}

/** The `---` that starts a second document (js-yaml gives no mark for it). */
function secondDocumentLine(text: string): number | undefined {
  const lines = text.split('\n');
  const content = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#') && !l.startsWith('---') && !l.startsWith('%'));
  const i = lines.findIndex((l, n) => n > content && content >= 0 && /^---(\s|$)/.test(l));
  return i < 0 ? undefined : i + 1;
}

function lineOfKey(text: string, key: string): number | undefined {
  const i = text.split('\n').findIndex((l) => l.startsWith(`${key}:`) || l.startsWith(`"${key}":`));
  return i < 0 ? undefined : i + 1;
}

/** Reads one file; a missing file is an empty config (as in client-go). */
export async function loadKubeconfigFile(file: string, mode: ParseMode = 'strict'): Promise<LoadedFile> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path: file, exists: false, text: '', doc: {} };
    throw invalid(file, `it cannot be read (${code ?? String(e)})`);
  }
  return { path: file, exists: true, text, doc: parseKubeconfig(text, file, mode) };
}

export interface LoadOptions {
  files?: string[];
  /**
   * kubectl writes in place (truncate, then write), so a reader that does not
   * hold the lock can catch a half-written file. Unlocked readers retry a
   * parse failure this many times, 60 ms apart, before reporting it.
   */
  retries?: number;
  /** 'strict' by default: what a write needs. */
  mode?: ParseMode;
}

async function loadWithRetry(file: string, retries: number, mode: ParseMode): Promise<LoadedFile> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await loadKubeconfigFile(file, mode);
    } catch (e) {
      if (attempt >= retries) throw e;
      await new Promise((r) => setTimeout(r, 60));
    }
  }
}

/** Loads every file of the loading rules and merges them. */
export async function loadKubeconfig(opts: LoadOptions = {}): Promise<MergedKubeconfig> {
  const files = opts.files ?? kubeconfigPaths();
  const loaded = await Promise.all(files.map((f) => loadWithRetry(f, opts.retries ?? 0, opts.mode ?? 'strict')));
  return mergeKubeconfigs(loaded);
}

function entries(doc: KubeconfigDoc, section: Section): Record<string, unknown>[] {
  const list = doc[section];
  return Array.isArray(list) ? (list.filter(isMapping) as Record<string, unknown>[]) : [];
}

/** kubectl's merge: the first file that names a cluster/user/context (or sets current-context) wins. */
export function mergeKubeconfigs(files: LoadedFile[]): MergedKubeconfig {
  const merged: MergedKubeconfig = { files, clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const f of files) {
    const cc = f.doc['current-context'];
    if (merged.currentContext === undefined && typeof cc === 'string' && cc !== '') {
      merged.currentContext = cc;
      merged.currentContextFile = f.path;
    }
    for (const section of SECTIONS) {
      for (const entry of entries(f.doc, section)) {
        const name = String(entry.name);
        if (merged[section].has(name)) continue;
        const body = entry[INNER_KEY[section]];
        merged[section].set(name, { name, file: f.path, value: isMapping(body) ? body : {} });
      }
    }
  }
  return merged;
}

/**
 * client-go's GetDefaultFilename: where new entries and a new current-context
 * go — the first file of the list that exists, else the first file.
 */
export function defaultFilename(files: Pick<LoadedFile, 'path' | 'exists'>[]): string {
  const first = files.find((f) => f.exists) ?? files[0];
  if (!first) throw new PaddockError(ErrorCodes.INTERNAL, 'no kubeconfig file to write to');
  return first.path;
}

/** A context's fields as strings (missing ones undefined). */
export function contextFields(value: Record<string, unknown>): { cluster?: string; user?: string; namespace?: string } {
  const s = (k: string) => (typeof value[k] === 'string' && value[k] !== '' ? (value[k] as string) : undefined);
  return { cluster: s('cluster'), user: s('user'), namespace: s('namespace') };
}
