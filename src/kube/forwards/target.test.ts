import { describe, expect, it } from 'vitest';
import { formatTarget, parsePorts, parseRemotePort, parseTarget } from './target.js';

describe('parseTarget', () => {
  it.each([
    ['pod/web-0', { kind: 'pod', name: 'web-0' }, 'pod/web-0'],
    ['po/web-0', { kind: 'pod', name: 'web-0' }, 'pod/web-0'],
    ['svc/web', { kind: 'service', name: 'web' }, 'svc/web'],
    ['service/web', { kind: 'service', name: 'web' }, 'svc/web'],
    ['deploy/api.v2', { kind: 'deployment', name: 'api.v2' }, 'deploy/api.v2'],
    ['deployment.apps/api', { kind: 'deployment', name: 'api' }, 'deploy/api'],
    ['Deployments/api', { kind: 'deployment', name: 'api' }, 'deploy/api'],
  ])('%s', (text, want, canonical) => {
    const t = parseTarget(text);
    expect(t).toEqual(want);
    expect(formatTarget(t)).toBe(canonical);
  });

  it.each(['web', 'job/x', 'svc/', 'svc/Web', 'svc/-x', 'pod/a_b'])('rejects %s with a remedy', (text) => {
    expect(() => parseTarget(text)).toThrow(expect.objectContaining({ code: 'USAGE', remedy: expect.any(String) }));
  });
});

describe('parsePorts', () => {
  it.each([
    ['8080:80', { local: 8080, remote: 80 }],
    ['80', { local: 80, remote: 80 }],
    [':80', { local: 0, remote: 80 }],
    ['0:80', { local: 0, remote: 80 }],
    ['8080:http', { local: 8080, remote: 'http' }],
    [':http-alt', { local: 0, remote: 'http-alt' }],
  ])('%s', (text, want) => expect(parsePorts(text)).toEqual(want));

  it.each(['http', '8080:', '70000:80', '8080:0', 'a:80', '8080:HTTP', '8080:-x', '8080:123456789012345x'])('rejects %s', (text) => {
    expect(() => parsePorts(text)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('remote names follow IANA_SVC_NAME (15 chars, a letter, no edge hyphens)', () => {
    expect(parseRemotePort('metrics')).toBe('metrics');
    expect(() => parseRemotePort('1234567890abcdef')).toThrow();
    expect(() => parseRemotePort('web-')).toThrow();
  });
});
