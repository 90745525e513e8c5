/**
 * What a forward points at, parsed like kubectl port-forward does:
 * TARGET is pod/NAME, svc/NAME or deploy/NAME (with kubectl's aliases), PORTS
 * is LOCAL:REMOTE, REMOTE (same port locally) or :REMOTE (any free local
 * port); REMOTE is a number or a port name.
 */
import { ErrorCodes, PaddockError } from '../../shared/errors.js';

export type TargetKind = 'pod' | 'service' | 'deployment';

export interface ForwardTarget {
  kind: TargetKind;
  name: string;
}

const KIND_ALIASES: Record<string, TargetKind> = {
  pod: 'pod',
  pods: 'pod',
  po: 'pod',
  svc: 'service',
  service: 'service',
  services: 'service',
  deploy: 'deployment',
  deployment: 'deployment',
  deployments: 'deployment',
};

const SHORT: Record<TargetKind, string> = { pod: 'pod', service: 'svc', deployment: 'deploy' };
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** IANA_SVC_NAME, what a container port's name must be. */
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export function parseTarget(text: string): ForwardTarget {
  const m = /^([A-Za-z]+)(?:\.[a-z.]+)?\/(.+)$/.exec(text.trim());
  const kind = m ? KIND_ALIASES[m[1]!.toLowerCase()] : undefined;
  if (!m || !kind) {
    throw new PaddockError(ErrorCodes.USAGE, `"${text}" is not a forward target`, { remedy: 'use pod/NAME, svc/NAME or deploy/NAME, e.g. svc/web' });
  }
  const name = m[2]!;
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new PaddockError(ErrorCodes.USAGE, `"${name}" is not a valid ${kind} name`, { remedy: 'names are lower-case letters, digits, "-" and "."' });
  }
  return { kind, name };
}

/** The canonical short form stored and shown: pod/x, svc/x, deploy/x. */
export function formatTarget(t: ForwardTarget): string {
  return `${SHORT[t.kind]}/${t.name}`;
}

export type RemotePort = number | string;

export interface PortPair {
  /** 0: any free port, chosen once and then kept. */
  local: number;
  remote: RemotePort;
}

function parsePortNumber(s: string, what: string, allowZero: boolean): number {
  if (!/^\d+$/.test(s)) throw new PaddockError(ErrorCodes.USAGE, `${what} port "${s}" is not a number`, { remedy: 'ports are 1-65535, e.g. 8080:80' });
  const n = Number(s);
  if (n > 65535 || (n === 0 && !allowZero)) throw new PaddockError(ErrorCodes.USAGE, `${what} port ${n} is out of range`, { remedy: `ports are ${allowZero ? '0' : '1'}-65535` });
  return n;
}

export function parseRemotePort(s: string): RemotePort {
  if (/^\d+$/.test(s)) return parsePortNumber(s, 'remote', false);
  if (s.length <= 15 && PORT_NAME.test(s)) return s;
  throw new PaddockError(ErrorCodes.USAGE, `remote port "${s}" is neither a number nor a port name`, { remedy: 'use a number like 80 or a named port like http' });
}

export function parsePorts(text: string): PortPair {
  const s = text.trim();
  const i = s.indexOf(':');
  if (i < 0) {
    const remote = parseRemotePort(s);
    if (typeof remote === 'string') throw new PaddockError(ErrorCodes.USAGE, `"${s}" names a port: say which local port to use`, { remedy: `use LOCAL:${s}, or :${s} for any free local port` });
    return { local: remote, remote };
  }
  const local = s.slice(0, i) === '' ? 0 : parsePortNumber(s.slice(0, i), 'local', true);
  const remoteText = s.slice(i + 1);
  if (remoteText === '') throw new PaddockError(ErrorCodes.USAGE, `"${s}" has no remote port`, { remedy: 'use LOCAL:REMOTE, e.g. 8080:80' });
  return { local, remote: parseRemotePort(remoteText) };
}
