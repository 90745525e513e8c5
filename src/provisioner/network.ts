/**
 * The shared `paddock` Docker network. It has a subnet of its own so nodes
 * get fixed addresses: a node's IP is in its certificates, etcd's peer list
 * and the kubelet's config, so it must not change across restarts.
 */
import type Docker from 'dockerode';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { Labels, NETWORK_NAME } from '../shared/labels.js';
import type { DockerRuntime } from './runtime/docker.js';

export interface PaddockNetwork {
  name: string;
  subnet: string;
  gateway: string;
}

/** Private /24s unlikely to be in use, tried in order until Docker accepts one. */
export const SUBNET_CANDIDATES = Array.from({ length: 14 }, (_, i) => `172.${18 + i}.0.0/16`).filter((s) => s !== '172.17.0.0/16');

function describe(info: Docker.NetworkInspectInfo): PaddockNetwork | undefined {
  const cfg = info.IPAM?.Config?.find((c) => c.Subnet && c.Subnet.includes('.'));
  if (!cfg?.Subnet) return undefined;
  return { name: info.Name, subnet: cfg.Subnet, gateway: cfg.Gateway ?? gatewayOf(cfg.Subnet) };
}

export function gatewayOf(subnet: string): string {
  const [ip] = subnet.split('/');
  const parts = ip!.split('.').map(Number);
  parts[3] = (parts[3] ?? 0) + 1;
  return parts.join('.');
}

export async function ensurePaddockNetwork(runtime: DockerRuntime, name = NETWORK_NAME, labels: Record<string, string> = {}): Promise<PaddockNetwork> {
  const existing = await runtime.inspectNetwork(name);
  if (existing) {
    const d = describe(existing);
    if (d) return d;
    throw new PaddockError(ErrorCodes.DOCKER_FAILED, `the Docker network "${name}" exists but has no IPv4 subnet`, {
      remedy: `remove it with \`docker network rm ${name}\` (after deleting its clusters) and try again`,
    });
  }
  let lastError: unknown;
  for (const subnet of SUBNET_CANDIDATES) {
    try {
      await runtime.ensureNetwork(name, { [Labels.cluster + '.network']: 'true', ...labels }, subnet);
      const info = await runtime.inspectNetwork(name);
      const d = info && describe(info);
      if (d) return d;
    } catch (e) {
      lastError = e;
      if (/overlap|pool/i.test((e as Error).message)) continue;
      throw e;
    }
  }
  throw new PaddockError(ErrorCodes.DOCKER_FAILED, `could not create the Docker network "${name}": every candidate subnet overlaps an existing network`, {
    cause: lastError,
    remedy: 'remove unused Docker networks (`docker network prune`)',
  });
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
}
function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Lowest free addresses of the subnet, skipping the gateway and those in use or reserved. */
export function pickAddresses(subnet: string, used: Set<string>, count: number): string[] {
  const [base, bitsText] = subnet.split('/');
  const bits = Number(bitsText);
  const start = ipToInt(base!);
  const size = 2 ** (32 - bits);
  const out: string[] = [];
  for (let i = 2; i < size - 1 && out.length < count; i++) {
    const ip = intToIp(start + i);
    if (!used.has(ip)) out.push(ip);
  }
  if (out.length < count) throw new PaddockError(ErrorCodes.DOCKER_FAILED, `the network ${subnet} has no free addresses left`);
  return out;
}

/** Addresses taken on the network: attached containers, plus those reserved by stopped Paddock nodes. */
export async function usedAddresses(runtime: DockerRuntime, name: string): Promise<Set<string>> {
  const used = new Set<string>();
  const info = await runtime.inspectNetwork(name);
  for (const c of Object.values(info?.Containers ?? {})) {
    const ip = c.IPv4Address?.split('/')[0];
    if (ip) used.add(ip);
  }
  // Stopped containers are not attached, but their fixed address is theirs.
  for (const c of await runtime.listContainers([Labels.cluster])) {
    const ip = c.labels[Labels.ip];
    if (ip) used.add(ip);
  }
  return used;
}
