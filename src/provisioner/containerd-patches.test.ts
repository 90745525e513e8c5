import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { patchContainerdConfig } from './containerd-patches.js';

const base = `version = 3
[plugins.'io.containerd.cri.v1.runtime']
enable_selinux = false
[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
SystemdCgroup = true
`;

describe('containerd config patches', () => {
  it('merges TOML tables and keeps what the patch does not name', () => {
    const out = parse(
      patchContainerdConfig(base, [`[plugins."io.containerd.cri.v1.images".registry]\nconfig_path = "/etc/containerd/certs.d"\n`]),
    ) as any;
    expect(out.version).toBe(3);
    expect(out.plugins['io.containerd.cri.v1.runtime'].containerd.runtimes.runc.options.SystemdCgroup).toBe(true);
    expect(out.plugins['io.containerd.cri.v1.images'].registry.config_path).toBe('/etc/containerd/certs.d');
  });

  it('applies JSON 6902 patches and names a broken patch', () => {
    const out = parse(patchContainerdConfig(base, [], ['- op: replace\n  path: /plugins/io.containerd.cri.v1.runtime/enable_selinux\n  value: true\n'])) as any;
    expect(out.plugins['io.containerd.cri.v1.runtime'].enable_selinux).toBe(true);
    expect(() => patchContainerdConfig(base, ['[[[not toml'])).toThrow(/containerdConfigPatches\[0\] is not valid TOML/);
  });
});
