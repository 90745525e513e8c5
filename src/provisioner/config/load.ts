/**
 * Parses a cluster config file and reports every problem at once, each with
 * the path of the field and, where the text tells, its line.
 */
import yaml from 'js-yaml';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { ClusterConfigSchema, KIND_API_VERSION, PADDOCK_API_VERSION, type ClusterConfig } from './schema.js';

function pathText(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

/** Best-effort line of a key: the first line declaring it (after the line of its parent, when known). */
export function lineOfKey(text: string, key: string, after = 0): number | undefined {
  const lines = text.split('\n');
  const re = new RegExp(`^\\s*(-\\s+)?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`);
  for (let i = after; i < lines.length; i++) if (re.test(lines[i]!)) return i + 1;
  return undefined;
}

function lineOfPath(text: string, path: PropertyKey[], extraKey?: string): number | undefined {
  let line = 0;
  for (const p of [...path, ...(extraKey ? [extraKey] : [])]) {
    if (typeof p !== 'string') continue;
    const found = lineOfKey(text, p, line);
    if (found === undefined) return line || undefined;
    line = found;
  }
  return line || undefined;
}

export function parseClusterConfig(text: string, source = 'config'): ClusterConfig {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (e) {
    const err = e as yaml.YAMLException;
    const line = err.mark ? ` (line ${err.mark.line + 1}, column ${err.mark.column + 1})` : '';
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${source} is not valid YAML${line}: ${err.reason ?? err.message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${source} must be a YAML mapping with apiVersion and kind: Cluster`);
  }
  const apiVersion = (doc as { apiVersion?: unknown }).apiVersion;
  if (apiVersion !== KIND_API_VERSION && apiVersion !== PADDOCK_API_VERSION) {
    throw new PaddockError(
      ErrorCodes.INVALID_CONFIG,
      `${source}: apiVersion ${apiVersion === undefined ? 'is missing' : `"${String(apiVersion)}" is not supported`}; use ${KIND_API_VERSION} (kind) or ${PADDOCK_API_VERSION}`,
    );
  }
  const parsed = ClusterConfigSchema.safeParse(doc);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => {
        const line = lineOfPath(text, issue.path, k);
        const where = pathText([...issue.path, k]);
        return `unknown field "${k}" at ${where}${line ? ` (line ${line})` : ''}`;
      });
    }
    const line = lineOfPath(text, issue.path);
    return [`${pathText(issue.path) || 'document'}: ${issue.message}${line ? ` (line ${line})` : ''}`];
  });
  throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${source} is not a valid cluster config:\n  - ${problems.join('\n  - ')}`, {
    remedy: 'see the kind v1alpha4 Cluster reference (https://kind.sigs.k8s.io/docs/user/configuration/)',
  });
}
