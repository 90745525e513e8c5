/**
 * What the details panel shows: the object as YAML without managedFields,
 * and for Secrets every value masked unless the user asked to see them
 * (including the copy kubectl keeps in last-applied-configuration).
 */
import yaml from 'js-yaml';
import type { KubeObject } from './descriptors.js';

export const MASK = '••••••••';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function displayObject(o: KubeObject, opts: { revealSecrets?: boolean } = {}): KubeObject {
  const out = structuredClone(o);
  if (out.metadata && 'managedFields' in out.metadata) delete (out.metadata as Record<string, unknown>).managedFields;
  if (out.kind === 'Secret' && !opts.revealSecrets) {
    for (const key of ['data', 'stringData'] as const) {
      const m = out[key] as Record<string, unknown> | undefined;
      if (m && typeof m === 'object') out[key] = Object.fromEntries(Object.keys(m).map((k) => [k, MASK]));
    }
    if (out.metadata?.annotations?.[LAST_APPLIED]) out.metadata.annotations[LAST_APPLIED] = MASK;
  }
  return out;
}

export function toYaml(o: KubeObject, opts: { revealSecrets?: boolean } = {}): string {
  return yaml.dump(displayObject(o, opts), { noRefs: true, lineWidth: 120, sortKeys: false });
}

/** The documents of a (multi-document) YAML text; empty documents are skipped. */
export function parseDocuments(text: string): KubeObject[] {
  const docs = yaml.loadAll(text).filter((d) => d !== null && d !== undefined);
  for (const [i, d] of docs.entries()) {
    if (typeof d !== 'object' || Array.isArray(d)) throw new Error(`document ${i + 1} is not a mapping`);
    const k = d as KubeObject;
    if (typeof k.apiVersion !== 'string' || typeof k.kind !== 'string' || typeof k.metadata?.name !== 'string') {
      throw new Error(`document ${i + 1} needs apiVersion, kind and metadata.name`);
    }
  }
  return docs as KubeObject[];
}
