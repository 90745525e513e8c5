/**
 * What the provisioner needs from a container engine. Docker implements it;
 * Podman can later, as kind's providers do.
 */
export interface PortMapping {
  containerPort: number;
  hostPort: number; // 0 = any free port
  hostIp: string;
  protocol: 'tcp' | 'udp' | 'sctp';
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
  propagation?: 'rprivate' | 'rshared' | 'rslave' | 'private' | 'shared' | 'slave';
}

export interface ContainerSpec {
  name: string;
  image: string;
  hostname?: string;
  labels: Record<string, string>;
  network?: string;
  ipv4Address?: string;
  networkAliases?: string[];
  privileged?: boolean;
  /** Linux node containers: what kind-style nodes need (cgroupns, tmpfs, seccomp…). */
  node?: boolean;
  env?: Record<string, string>;
  cmd?: string[];
  entrypoint?: string[];
  ports?: PortMapping[];
  mounts?: Mount[];
  /** Anonymous volumes (container paths) removed with the container. */
  volumes?: string[];
  tmpfs?: Record<string, string>;
  restartPolicy?: 'no' | 'on-failure' | 'unless-stopped' | 'always';
  stopSignal?: string;
  securityOpt?: string[];
}

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead' | 'unknown';
  created: string;
  ipv4?: string;
  ports: { containerPort: number; hostPort: number; hostIp: string; protocol: string }[];
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface EngineInfo {
  serverVersion: string;
  apiVersion: string;
  os: string;
  kernel: string;
  cgroupVersion: '1' | '2' | 'unknown';
  cgroupDriver: string;
  memTotalBytes: number;
  cpus: number;
  rootless: boolean;
  dockerRootDir: string;
  securityOptions: string[];
}
