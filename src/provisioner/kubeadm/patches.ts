/**
 * kind-compatible config patches over multi-document YAML: "strategic"
 * patches (a YAML doc matched by kind, and apiVersion when given, deep-merged)
 * and JSON 6902 patches matched by group/version/kind.
 *
 * kubeadm v1beta4 made extraArgs/kubeletExtraArgs lists of {name, value};
 * many kind configs still write them as maps (v1beta3). Both forms are
 * accepted and merged by name, as a strategic merge keyed on `name` would.
 */
import yaml from 'js-yaml';
import jsonpatch from 'fast-json-patch';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { Json6902PatchConfig } from '../config/schema.js';

type Doc = Record<string, unknown>;
// extraEnvs too (same {name, value} shape): a user's GOGC replaces Paddock's, other entries stay.
const ARG_LIST_FIELDS = new Set(['extraArgs', 'kubeletExtraArgs', 'extraEnvs']);

function isPlainObject(v: unknown): v is Doc {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function toArgList(v: unknown): { name: string; value: string }[] | undefined {
  if (Array.isArray(v)) return v as { name: string; value: string }[];
  if (isPlainObject(v)) return Object.entries(v).map(([name, value]) => ({ name, value: String(value) }));
  return undefined;
}

export function mergePatch(base: unknown, patch: unknown, key?: string): unknown {
  if (key && ARG_LIST_FIELDS.has(key)) {
    const b = toArgList(base) ?? [];
    const p = toArgList(patch);
    if (!p) return patch;
    const out = [...b];
    for (const arg of p) {
      const i = out.findIndex((a) => a.name === arg.name);
      if (i >= 0) out[i] = arg;
      else out.push(arg);
    }
    return out;
  }
  if (patch === null) return undefined; // strategic merge: null deletes
  if (isPlainObject(base) && isPlainObject(patch)) {
    const out: Doc = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      const merged = mergePatch(base[k], v, k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return patch;
}

function groupOf(apiVersion: unknown): { group: string; version: string } {
  const s = String(apiVersion ?? '');
  const i = s.lastIndexOf('/');
  return i < 0 ? { group: '', version: s } : { group: s.slice(0, i), version: s.slice(i + 1) };
}

export function parseDocs(text: string): Doc[] {
  return yaml.loadAll(text).filter(isPlainObject);
}

export function dumpDocs(docs: Doc[]): string {
  return docs.map((d) => yaml.dump(d, { lineWidth: -1, noRefs: true })).join('---\n');
}

export function applyStrategicPatches(docs: Doc[], patches: string[]): Doc[] {
  let out = docs;
  for (const [i, text] of patches.entries()) {
    let patchDocs: Doc[];
    try {
      patchDocs = parseDocs(text);
    } catch (e) {
      throw new PaddockError(ErrorCodes.INVALID_CONFIG, `kubeadmConfigPatches[${i}] is not valid YAML: ${(e as Error).message}`);
    }
    for (const patch of patchDocs) {
      const kind = patch.kind;
      if (typeof kind !== 'string') throw new PaddockError(ErrorCodes.INVALID_CONFIG, `kubeadmConfigPatches[${i}] has no "kind" to match`);
      const wanted = patch.apiVersion ? groupOf(patch.apiVersion).group : undefined;
      const { apiVersion: _a, kind: _k, ...body } = patch;
      out = out.map((d) => (d.kind === kind && (wanted === undefined || groupOf(d.apiVersion).group === wanted) ? (mergePatch(d, body) as Doc) : d));
    }
  }
  return out;
}

export function applyJson6902Patches(docs: Doc[], patches: Json6902PatchConfig[]): Doc[] {
  return docs.map((d) => {
    const { group, version } = groupOf(d.apiVersion);
    let doc = d;
    for (const [i, p] of patches.entries()) {
      if (p.kind !== d.kind || p.group !== group || p.version !== version) continue;
      let ops: jsonpatch.Operation[];
      try {
        ops = yaml.load(p.patch) as jsonpatch.Operation[];
        doc = jsonpatch.applyPatch(doc, ops, true, false).newDocument;
      } catch (e) {
        throw new PaddockError(ErrorCodes.INVALID_CONFIG, `kubeadmConfigPatchesJSON6902[${i}] (${p.kind}) does not apply: ${(e as Error).message}`);
      }
    }
    return doc;
  });
}
