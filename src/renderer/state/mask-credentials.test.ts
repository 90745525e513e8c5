import { describe, expect, it } from 'vitest';
import { maskCredentials } from './mask-credentials.js';

const kubeconfig = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:40000
users:
- name: paddock-dev
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
- name: other
  user:
    token: abc.def
    password: hunter2
`;

describe('maskCredentials', () => {
  it('hides keys, tokens and passwords and keeps everything else as it is', () => {
    const shown = maskCredentials(kubeconfig);
    expect(shown).not.toMatch(/S0VZ|abc\.def|hunter2/);
    expect(shown).toContain('    client-key-data: •••••••• (hidden)');
    expect(shown).toContain('    token: •••••••• (hidden)');
    expect(shown).toContain('certificate-authority-data: Q0E=');
    expect(shown).toContain('client-certificate-data: Q0VSVA==');
    expect(shown.split('\n')).toHaveLength(kubeconfig.split('\n').length);
  });
});
