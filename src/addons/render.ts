/**
 * Renders an addon's manifests: a tiny, safe template language over parsed
 * YAML. Placeholders `{{ a.b }}` are replaced inside string values only, after
 * parsing, so a parameter can never inject YAML structure. A string that is
 * exactly one placeholder of an int/port param becomes a number. Every object
 * gets the ownership labels; that is how disable and status find them.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import type { AddonSpec, CatalogEntry, Param } from './catalog.js';

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const ADDON_LABEL = 'paddock.dev/addon';
export const ownershipLabels = (addon: string): Record<string, string> => ({ [MANAGED_BY]: 'paddock', [ADDON_LABEL]: addon });
export const ownershipSelector = (addon: string): string => `${MANAGED_BY}=paddock,${ADDON_LABEL}=${addon}`;

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/** Template values: nested records of strings/numbers. */
export type TemplateValues = { [k: string]: string | number | TemplateValues };

const PLACEHOLDER = /\{\{\s*([a-zA-Z][a-zA-Z0-9_-]*(?:\.[a-zA-Z0-9_-]+)*)\s*\}\}/g;
const WHOLE = /^\{\{\s*([a-zA-Z][a-zA-Z0-9_-]*(?:\.[a-zA-Z0-9_-]+)*)\s*\}\}$/;

function lookup(values: TemplateValues, key: string, where: string): string | number {
  let v: string | number | TemplateValues | undefined = values;
  for (const part of key.split('.')) {
    v = typeof v === 'object' ? v[part] : undefined;
  }
  if (v === undefined || typeof v === 'object') throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${where}: unknown template value {{ ${key} }}`);
  return v;
}

export function renderString(s: string, values: TemplateValues, where: string): string | number {
  const whole = WHOLE.exec(s);
  if (whole) return lookup(values, whole[1]!, where);
  return s.replace(PLACEHOLDER, (_, key: string) => String(lookup(values, key, where)));
}

function renderTree(node: unknown, values: TemplateValues, where: string): unknown {
  if (typeof node === 'string') return renderString(node, values, where);
  if (Array.isArray(node)) return node.map((n) => renderTree(n, values, where));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, renderTree(v, values, where)]));
  }
  return node;
}

function checkParam(key: string, p: Param, value: string): string | number {
  const bad = (why: string) => new PaddockError(ErrorCodes.USAGE, `--set ${key}=${value}: ${why}`, { remedy: `${key}: ${p.description} (default ${p.default})` });
  switch (p.type) {
    case 'int':
      if (!/^-?\d+$/.test(value)) throw bad('not an integer');
      if (p.min !== undefined && Number(value) < p.min) throw bad(`must be at least ${p.min}`);
      return Number(value);
    case 'port': {
      if (!/^\d+$/.test(value) || Number(value) > 65535) throw bad('not a port (0-65535, 0 = a free one)');
      return Number(value);
    }
    case 'bool':
      if (value !== 'true' && value !== 'false') throw bad('must be true or false');
      return value;
    case 'duration': {
      const m = /^(\d+)(ms|s|m|h)$/.exec(value);
      if (!m) throw bad('not a duration such as 15s or 1m');
      const seconds = Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
      if (p.min !== undefined && seconds < p.min) throw bad(`must be at least ${p.min}s`);
      return value;
    }
    default:
      if (p.pattern && !new RegExp(`^(?:${p.pattern})$`).test(value)) throw bad(`must match ${p.pattern}`);
      if (/[\r\n]/.test(value)) throw bad('must be one line');
      return value;
  }
}

/** Defaults plus the user's --set values, each checked; unknown keys are an error. */
export function resolveParams(spec: AddonSpec, settings: Record<string, string> = {}): Record<string, string | number> {
  const unknown = Object.keys(settings).filter((k) => !(k in spec.params));
  if (unknown.length) {
    const known = Object.keys(spec.params);
    throw new PaddockError(ErrorCodes.USAGE, `addon ${spec.name} has no setting ${unknown.map((k) => `"${k}"`).join(', ')}`, {
      remedy: known.length ? `its settings are: ${known.map((k) => `${k} (${spec.params[k]!.description}, default ${spec.params[k]!.default})`).join('; ')}` : `${spec.name} takes no settings`,
    });
  }
  return Object.fromEntries(Object.entries(spec.params).map(([k, p]) => [k, checkParam(k, p, settings[k] ?? p.default)]));
}

export interface RenderInput {
  cluster: string;
  params: Record<string, string | number>;
  /** Image references by image name (built tag or upstream ref). */
  images: Record<string, string>;
}

export function templateValues(input: RenderInput): TemplateValues {
  return { cluster: { name: input.cluster }, params: input.params, images: input.images };
}

/** Every object of the addon's manifests, rendered and labelled, in apply order. */
export function renderManifests(entry: CatalogEntry, input: RenderInput): KubeObject[] {
  const values = templateValues(input);
  const objects: KubeObject[] = [];
  for (const file of entry.spec.manifests) {
    const where = `${entry.spec.name}/${file}`;
    const docs = yaml.loadAll(fs.readFileSync(path.join(entry.dir, file), 'utf8'));
    for (const doc of docs) {
      if (doc === null || doc === undefined) continue;
      const obj = renderTree(doc, values, where) as KubeObject;
      if (!obj || typeof obj !== 'object' || !obj.apiVersion || !obj.kind || !obj.metadata?.name) {
        throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${where}: every document needs apiVersion, kind and metadata.name`);
      }
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), ...ownershipLabels(entry.spec.name) };
      objects.push(obj);
    }
  }
  return objects;
}

/** The usage text with the values known after install (e.g. the host ports a proxy got). */
export function renderUsage(spec: AddonSpec, values: TemplateValues): string {
  return spec.usage.trim().replace(PLACEHOLDER, (m, key: string) => {
    try {
      return String(lookup(values, key, spec.name));
    } catch {
      return m;
    }
  });
}
