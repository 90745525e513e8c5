import { describe, expect, it } from 'vitest';
import { kubeconfigPaths, recommendedKubeconfigPath } from './paths.js';

describe('kubeconfigPaths (kubectl loading rules)', () => {
  const cases: { name: string; env: Record<string, string | undefined>; platform: NodeJS.Platform; want: string[] }[] = [
    { name: 'no KUBECONFIG: home file', env: { HOME: '/h' }, platform: 'linux', want: ['/h/.kube/config'] },
    { name: 'empty KUBECONFIG: home file', env: { HOME: '/h', KUBECONFIG: '' }, platform: 'linux', want: ['/h/.kube/config'] },
    { name: 'single file', env: { HOME: '/h', KUBECONFIG: '/a' }, platform: 'linux', want: ['/a'] },
    { name: 'list in order', env: { KUBECONFIG: '/a:/b:/c' }, platform: 'darwin', want: ['/a', '/b', '/c'] },
    { name: 'empty entries skipped', env: { KUBECONFIG: ':/a::/b:' }, platform: 'linux', want: ['/a', '/b'] },
    { name: 'duplicates once, first position', env: { KUBECONFIG: '/a:/b:/a:/b:/c' }, platform: 'linux', want: ['/a', '/b', '/c'] },
    { name: 'only separators: home file', env: { HOME: '/h', KUBECONFIG: ':::' }, platform: 'linux', want: ['/h/.kube/config'] },
    { name: 'windows uses ;', env: { KUBECONFIG: 'C:\\a;D:\\b;;C:\\a' }, platform: 'win32', want: ['C:\\a', 'D:\\b'] },
    { name: 'windows home from USERPROFILE', env: { USERPROFILE: 'C:\\Users\\u' }, platform: 'win32', want: ['C:\\Users\\u\\.kube\\config'] },
    { name: 'windows HOME wins', env: { HOME: 'D:\\h', USERPROFILE: 'C:\\Users\\u' }, platform: 'win32', want: ['D:\\h\\.kube\\config'] },
    { name: 'colon is part of a windows path', env: { KUBECONFIG: 'C:\\k\\config' }, platform: 'win32', want: ['C:\\k\\config'] },
  ];
  it.each(cases)('$name', ({ env, platform, want }) => {
    expect(kubeconfigPaths(env, platform)).toEqual(want);
  });

  it('recommended path is under HOME', () => {
    expect(recommendedKubeconfigPath({ HOME: '/x' }, 'linux')).toBe('/x/.kube/config');
  });
});
