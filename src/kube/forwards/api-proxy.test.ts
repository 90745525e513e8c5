import { describe, expect, it } from 'vitest';
import { hostOf, refusal } from './api-proxy.js';

describe('proxy request guard', () => {
  it.each(['127.0.0.1:8001', 'localhost:8001', 'localhost', '[::1]:8001', 'LOCALHOST.:8001'])('lets Host %s through', (host) => {
    expect(refusal({ host, url: '/api/v1/namespaces' }, '127.0.0.1')).toBeUndefined();
  });

  it.each(['evil.example.com', 'evil.example.com:8001', '127.0.0.1.nip.io:8001', '10.0.0.5:8001'])('refuses Host %s (DNS rebinding)', (host) => {
    expect(refusal({ host, url: '/api' }, '127.0.0.1')).toMatch(/DNS rebinding/);
  });

  it('accepts the address it was bound to, but not any host when bound to 0.0.0.0', () => {
    expect(refusal({ host: '10.0.0.5:8001', url: '/api' }, '10.0.0.5')).toBeUndefined();
    expect(refusal({ host: '10.0.0.5:8001', url: '/api' }, '0.0.0.0')).toBeDefined();
  });

  it('refuses cross-site origins, keeps same-machine ones', () => {
    expect(refusal({ host: '127.0.0.1:8001', origin: 'https://evil.example.com', url: '/api' }, '127.0.0.1')).toMatch(/cross-site/);
    expect(refusal({ host: '127.0.0.1:8001', origin: 'http://localhost:5173', url: '/api' }, '127.0.0.1')).toBeUndefined();
  });

  it('refuses exec and attach like kubectl proxy', () => {
    expect(refusal({ host: 'localhost', url: '/api/v1/namespaces/default/pods/x/exec?command=sh' }, '127.0.0.1')).toMatch(/exec/);
    expect(refusal({ host: 'localhost', url: '/api/v1/namespaces/default/pods/x/attach' }, '127.0.0.1')).toMatch(/exec/);
    expect(refusal({ host: 'localhost', url: '/api/v1/namespaces/default/pods/x/log' }, '127.0.0.1')).toBeUndefined();
  });

  it('hostOf strips ports and brackets', () => {
    expect(hostOf('[::1]:80')).toBe('::1');
    expect(hostOf('Example.COM:80')).toBe('example.com');
  });
});
