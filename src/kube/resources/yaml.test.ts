import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { MASK, parseDocuments, toYaml } from './yaml.js';

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 's',
    managedFields: [{ manager: 'kubectl' }],
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"aHVudGVyMg=="}}' },
  },
  data: { password: 'aHVudGVyMg==', user: 'YWRtaW4=' },
  stringData: { token: 'plain' },
};

describe('toYaml', () => {
  it('masks every Secret value, including the last-applied copy, and drops managedFields', () => {
    const text = toYaml(secret);
    expect(text).not.toContain('aHVudGVyMg==');
    expect(text).not.toContain('plain');
    expect(text).not.toContain('managedFields');
    const o = yaml.load(text) as typeof secret;
    expect(o.data).toEqual({ password: MASK, user: MASK });
    expect(o.stringData).toEqual({ token: MASK });
    expect(o.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBe(MASK);
  });

  it('shows the values when asked', () => {
    const o = yaml.load(toYaml(secret, { revealSecrets: true })) as typeof secret;
    expect(o.data.password).toBe('aHVudGVyMg==');
  });

  it('leaves other kinds alone (a ConfigMap is not secret)', () => {
    const o = yaml.load(toYaml({ kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } })) as { data: object };
    expect(o.data).toEqual({ a: '1' });
  });

  it('does not change the object it was given', () => {
    toYaml(secret);
    expect(secret.data.password).toBe('aHVudGVyMg==');
    expect(secret.metadata.managedFields).toHaveLength(1);
  });
});

describe('parseDocuments', () => {
  it('reads several documents and skips empty ones', () => {
    const docs = parseDocuments('---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n');
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Secret']);
  });
  it.each([
    ['a list', '- a\n- b\n', /not a mapping/],
    ['no kind', 'apiVersion: v1\nmetadata: {name: a}\n', /needs apiVersion, kind and metadata.name/],
    ['bad YAML', 'a: [\n', /./],
  ])('refuses %s', (_t, text, err) => {
    expect(() => parseDocuments(text)).toThrow(err);
  });
});
