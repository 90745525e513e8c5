/**
 * The Simple form as a kind v1alpha4 Cluster file, for the cases the plain
 * contract fields cannot say (published ports). Pure; the core parses it
 * like any pasted config.
 */
import { dump } from 'js-yaml';

export interface PortMapping {
  hostPort: number;
  containerPort: number;
}

export interface SimpleForm {
  controlPlanes: number;
  workers: number;
  ports: PortMapping[];
}

/** "8080:80, 8443:443" → mappings; undefined with a message when it cannot be read. */
export function parsePorts(text: string): { ports: PortMapping[] } | { error: string } {
  const ports: PortMapping[] = [];
  for (const raw of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^(\d{1,5}):(\d{1,5})$/.exec(raw);
    const host = m ? Number(m[1]) : NaN;
    const container = m ? Number(m[2]) : NaN;
    if (!m || host < 1 || host > 65535 || container < 1 || container > 65535) return { error: `"${raw}" is not HOST:CONTAINER, like 8080:80` };
    if (ports.some((p) => p.hostPort === host)) return { error: `host port ${host} is listed twice` };
    ports.push({ hostPort: host, containerPort: container });
  }
  return { ports };
}

export function formToKindConfig(f: SimpleForm): string {
  const nodes: Record<string, unknown>[] = [];
  for (let i = 0; i < f.controlPlanes; i++) {
    const node: Record<string, unknown> = { role: 'control-plane' };
    // Published ports go to the first control plane, on 127.0.0.1 only.
    if (i === 0 && f.ports.length) {
      node.extraPortMappings = f.ports.map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort, listenAddress: '127.0.0.1', protocol: 'TCP' }));
    }
    nodes.push(node);
  }
  for (let i = 0; i < f.workers; i++) nodes.push({ role: 'worker' });
  return dump({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', nodes }, { lineWidth: 120 });
}
