import { describe, expect, it } from 'vitest';
import { formToKindConfig, parsePorts } from './form-config.js';
import { checkClusterConfig } from './kind-config.js';

describe('form → kind config', () => {
  it('reads published ports', () => {
    expect(parsePorts('8080:80, 8443:443')).toEqual({ ports: [{ hostPort: 8080, containerPort: 80 }, { hostPort: 8443, containerPort: 443 }] });
    expect(parsePorts('')).toEqual({ ports: [] });
    expect(parsePorts('80')).toEqual({ error: '"80" is not HOST:CONTAINER, like 8080:80' });
    expect(parsePorts('70000:80')).toMatchObject({ error: expect.stringContaining('70000:80') });
    expect(parsePorts('8080:80 8080:81')).toEqual({ error: 'host port 8080 is listed twice' });
  });

  it('writes a kind v1alpha4 file with ports on the first control plane, on 127.0.0.1', () => {
    const yaml = formToKindConfig({ controlPlanes: 1, workers: 2, ports: [{ hostPort: 8080, containerPort: 80 }] });
    expect(yaml).toBe(
      [
        'kind: Cluster',
        'apiVersion: kind.x-k8s.io/v1alpha4',
        'nodes:',
        '  - role: control-plane',
        '    extraPortMappings:',
        '      - containerPort: 80',
        '        hostPort: 8080',
        '        listenAddress: 127.0.0.1',
        '        protocol: TCP',
        '  - role: worker',
        '  - role: worker',
        '',
      ].join('\n'),
    );
    expect(checkClusterConfig(yaml)).toMatchObject({ ok: true, nodes: { controlPlanes: 1, workers: 2 } });
  });
});
