/**
 * The shared `paddock` Docker network. It has a subnet of its own so nodes
 * get fixed addresses: a node's IP is in its certificates, etcd's peer list
 * and the kubelet's config, so it must not change across restarts.
 */
import fs from 'node:fs/promises';
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

export function isOutdated(info: Docker.NetworkInspectInfo): boolean {
  const cfg = info.IPAM?.Config?.find((c) => c.Subnet && c.Subnet.includes('.'));
  if (!cfg?.Subnet) return false;
  return !cfg.IPRange || cfg.Gateway !== gatewayOf(cfg.Subnet);
}

/**
 * The upper half of the subnet, where Docker puts containers that ask for no
 * fixed address (addon proxies, LoadBalancer containers). Node addresses are
 * picked from the bottom up and reserved even while their node is stopped;
 * without this split Docker would hand a stopped node's address to the next
 * container, and the node could not start again.
 */
export function dynamicRange(subnet: string): string {
  const [base, bitsText] = subnet.split('/');
  const bits = Number(bitsText);
  return `${intToIp(ipToInt(base!) + 2 ** (32 - bits - 1))}/${bits + 1}`;
}

export function gatewayOf(subnet: string): string {
  const [ip] = subnet.split('/');
  const parts = ip!.split('.').map(Number);
  parts[3] = (parts[3] ?? 0) + 1;
  return parts.join('.');
}

export async function ensurePaddockNetwork(runtime: DockerRuntime, name = NETWORK_NAME, labels: Record<string, string> = {}): Promise<PaddockNetwork> {
  let existing = await runtime.inspectNetwork(name);
  // Made before dynamic addresses had a range of their own (addon containers
  // could take a stopped node's address), or with Docker's default gateway for
  // that range (x.x.128.0): replace it when nothing uses it.
  if (existing && isOutdated(existing) && (await runtime.removeNetworkIfUnused(name))) existing = undefined;
  if (existing) {
    const d = describe(existing);
    if (d) return d;
    throw new PaddockError(ErrorCodes.DOCKER_FAILED, `the Docker network "${name}" exists but has no IPv4 subnet`, {
      remedy: `remove it with \`docker network rm ${name}\` (after deleting its clusters) and try again`,
    });
  }
  let lastError: unknown;
  // Docker checks a new subnet against its own networks only. Another engine
  // on this host (or a VPN) may route one of ours: a second bridge with the
  // same subnet would steal the host's traffic to the first.
  const routed = runtime.engine.host.startsWith('unix://') ? await hostRoutes() : [];
  const candidates = SUBNET_CANDIDATES.filter((c) => !routed.some((r) => overlaps(c, r)));
  for (const subnet of candidates) {
    try {
      // The gateway is given: with an IPRange, Docker would take the range's
      // first address (x.x.128.0) and the host would not be at x.x.0.1.
      await runtime.ensureNetwork(name, { [Labels.cluster + '.network']: 'true', ...labels }, subnet, dynamicRange(subnet), gatewayOf(subnet));
      const info = await runtime.inspectNetwork(name);
      const d = info && describe(info);
      if (d) return d;
    } catch (e) {
      lastError = e;
      if (/overlap|pool/i.test((e as Error).message)) continue;
      throw e;
    }
  }
  throw new PaddockError(ErrorCodes.DOCKER_FAILED, `could not create the Docker network "${name}": every candidate subnet (172.18-31.0.0/16) overlaps an existing network or a route of this host`, {
    cause: lastError,
    remedy: 'remove unused Docker networks (`docker network prune`)',
  });
}

/** IPv4 routes of this host (Linux /proc/net/route) as CIDRs, the default route left out. */
export function parseRouteTable(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    // Little-endian hex: "0012A8C0" is 192.168.18.0.
    const le = (hex: string) => [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
    const dest = le(f[1]!);
    const mask = le(f[7]!);
    const bits = mask.split('.').reduce((n, o) => n + (Number(o).toString(2).match(/1/g)?.length ?? 0), 0);
    if (bits === 0) continue;
    out.push(`${dest}/${bits}`);
  }
  return out;
}

async function hostRoutes(): Promise<string[]> {
  if (process.platform !== 'linux') return [];
  try {
    return parseRouteTable(await fs.readFile('/proc/net/route', 'utf8'));
  } catch {
    return [];
  }
}

export function overlaps(a: string, b: string): boolean {
  const range = (cidr: string) => {
    const [ip, bits] = cidr.split('/');
    const size = 2 ** (32 - Number(bits));
    const start = Math.floor(ipToInt(ip!) / size) * size;
    return [start, start + size - 1] as const;
  };
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
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
