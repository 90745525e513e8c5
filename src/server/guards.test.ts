import { describe, expect, it } from 'vitest';
import { allowedHosts, hostAllowed, originAllowed, parseCookies, presentedToken, tokenCookieName, tokensEqual } from './guards.js';

describe('web-mode guards', () => {
  const hosts = allowedHosts('127.0.0.1', 4242);

  it.each([
    ['127.0.0.1:4242', true],
    ['localhost:4242', true],
    ['LOCALHOST:4242', true],
    ['[::1]:4242', true],
    ['127.0.0.1:4243', false],
    ['evil.example:4242', false],
    ['127.0.0.1', false],
    [undefined, false],
  ])('Host %s → %s', (h, ok) => expect(hostAllowed(h, hosts)).toBe(ok));

  it.each([
    [undefined, true],
    ['http://127.0.0.1:4242', true],
    ['http://localhost:4242', true],
    ['https://127.0.0.1:4242', false],
    ['http://evil.example', false],
    ['http://127.0.0.1:4242.evil.example', false],
    ['null', false],
  ])('Origin %s → %s', (o, ok) => expect(originAllowed(o, hosts)).toBe(ok));

  it('adds an explicitly chosen listen address, never wildcards', () => {
    expect(hostAllowed('192.168.1.5:80', allowedHosts('192.168.1.5', 80))).toBe(true);
    expect(allowedHosts('0.0.0.0', 80).size).toBe(3);
  });

  it('compares tokens in constant time and length-safely', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abd', 'abc')).toBe(false);
    expect(tokensEqual('ab', 'abc')).toBe(false);
    expect(tokensEqual(undefined, 'abc')).toBe(false);
  });

  it('finds the token in header, cookie or query', () => {
    const u = new URL('http://x/?token=q');
    const name = tokenCookieName(4242);
    expect(presentedToken({ 'x-paddock-token': 'h', cookie: `${name}=c` }, u, name)).toBe('h');
    expect(presentedToken({ cookie: `a=1; ${name}=c` }, u, name)).toBe('c');
    // Another Paddock's cookie (other port) is not ours.
    expect(presentedToken({ cookie: `${tokenCookieName(5000)}=other` }, new URL('http://x/'), name)).toBeUndefined();
    expect(presentedToken({}, u, name)).toBe('q');
    expect(presentedToken({}, new URL('http://x/'), name)).toBeUndefined();
    expect(parseCookies('a=%zz; b=2')).toEqual({ a: '%zz', b: '2' });
  });
});

import { browserCommand, openBrowser } from './open-browser.js';

describe('openBrowser', () => {
  it('passes the URL as one argument to the platform opener, never through a shell', () => {
    const url = 'http://127.0.0.1:4242/?token=a&b=c';
    expect(browserCommand('linux', url)).toEqual({ cmd: 'xdg-open', args: [url] });
    expect(browserCommand('darwin', url)).toEqual({ cmd: 'open', args: [url] });
    expect(browserCommand('win32', url)).toEqual({ cmd: 'rundll32', args: ['url.dll,FileProtocolHandler', url] });
  });

  it('refuses anything but loopback http', async () => {
    expect(await openBrowser('https://evil.example/')).toBe(false);
    expect(await openBrowser('file:///etc/passwd')).toBe(false);
  });
});
