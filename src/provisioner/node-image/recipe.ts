/**
 * What a Paddock node image is made of: the Go programs (one module each
 * under images/), the Kubernetes versions we know how to build, and the
 * names the preloaded images must carry. Data only; build.ts does the work.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump when the build logic changes in a way the hashed input files do not show. */
export const RECIPE_VERSION = '2';

export const DEFAULT_KUBERNETES_VERSION = 'v1.36.3';

export interface KubernetesRelease {
  /** The go.mod of images/kubernetes used for this version (relative to that folder). */
  kubeModfile: string;
  /** The go.mod of images/etcd for the etcd release kubeadm of this version expects. */
  etcdModfile: string;
  /** etcd module version, matching kubeadm's etcd image tag (without the "-0" suffix). */
  etcdVersion: string;
}

/**
 * Kubernetes versions that build here, newest first. A version is supported
 * when its k8s.io/kubernetes module and its etcd resolve through the Go proxy.
 */
export const KUBERNETES_RELEASES: Readonly<Record<string, KubernetesRelease>> = {
  'v1.36.3': { kubeModfile: 'go.mod', etcdModfile: 'go.mod', etcdVersion: 'v3.6.8' },
  'v1.35.4': { kubeModfile: 'versions/v1.35.4.mod', etcdModfile: 'go.mod', etcdVersion: 'v3.6.8' },
};

export const SUPPORTED_KUBERNETES_VERSIONS: readonly string[] = Object.keys(KUBERNETES_RELEASES);

export function defaultNodeImageName(version: string): string {
  return `paddock/node:${version}`;
}

/** Root of the checked-in build recipes (images/). PADDOCK_IMAGES_DIR overrides it (packaged app). */
export function imagesDir(): string {
  if (process.env.PADDOCK_IMAGES_DIR) return process.env.PADDOCK_IMAGES_DIR;
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../images');
}

/** One `go build` invocation. */
export interface GoBuild {
  /** Packages to build; with several, `out` is a directory and binaries are named by Go. */
  packages: string[];
  /** Output file name (one package) or omitted (binaries named after their package). */
  out?: string;
  tags?: string[];
  cgo?: boolean;
  ldflags?: string[];
}

export interface GoProgram {
  /** Stable id; also the folder under images/. */
  id: string;
  builds: GoBuild[];
  /** go.mod to use, relative to the module folder (default go.mod). */
  modfile?: string;
}

/** The Go programs of a node image for one Kubernetes version. */
export function goPrograms(version: string): GoProgram[] {
  const rel = KUBERNETES_RELEASES[version];
  if (!rel) throw new Error(`unsupported Kubernetes version ${version}`);
  const [major, minor] = version.replace(/^v/, '').split('.');
  const kubeVersionFlags = [
    `-X k8s.io/component-base/version.gitVersion=${version}`,
    `-X k8s.io/component-base/version.gitMajor=${major}`,
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    '-X k8s.io/component-base/version.gitTreeState=clean',
    `-X k8s.io/client-go/pkg/version.gitVersion=${version}`,
    `-X k8s.io/client-go/pkg/version.gitMajor=${major}`,
    `-X k8s.io/client-go/pkg/version.gitMinor=${minor}`,
  ];
  return [
    // One multi-call binary for kubelet, kubeadm, kubectl and the control plane.
    { id: 'kubernetes', modfile: rel.kubeModfile, builds: [{ packages: ['.'], out: 'kube', ldflags: kubeVersionFlags }] },
    {
      id: 'containerd',
      builds: [
        {
          packages: [
            'github.com/containerd/containerd/v2/cmd/containerd',
            'github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2',
            'github.com/containerd/containerd/v2/cmd/ctr',
          ],
          tags: ['no_btrfs', 'no_devmapper', 'no_zfs'],
          ldflags: ['-X github.com/containerd/containerd/v2/version.Version=v2.3.7'],
        },
      ],
    },
    {
      id: 'runc',
      builds: [
        {
          packages: ['github.com/opencontainers/runc'],
          out: 'runc',
          cgo: true,
          tags: ['seccomp', 'urfave_cli_no_docs'],
          ldflags: ['-X main.version=1.4.3'],
        },
      ],
    },
    {
      id: 'cni-plugins',
      builds: [
        {
          packages: ['bridge', 'ptp', 'loopback'].map((p) => `github.com/containernetworking/plugins/plugins/main/${p}`).concat([
            'github.com/containernetworking/plugins/plugins/ipam/host-local',
            'github.com/containernetworking/plugins/plugins/meta/portmap',
          ]),
          ldflags: ['-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=v1.10.0'],
        },
      ],
    },
    {
      id: 'crictl',
      builds: [{ packages: ['sigs.k8s.io/cri-tools/cmd/crictl'], out: 'crictl', ldflags: ['-X sigs.k8s.io/cri-tools/pkg/version.Version=v1.37.0'] }],
    },
    { id: 'etcd', modfile: rel.etcdModfile, builds: [{ packages: ['go.etcd.io/etcd/server/v3'], out: 'etcd' }] },
    { id: 'coredns', builds: [{ packages: ['github.com/coredns/coredns'], out: 'coredns' }] },
    { id: 'paddocknet', builds: [{ packages: ['.'], out: 'paddocknet' }] },
    { id: 'local-path-provisioner', builds: [{ packages: ['github.com/rancher/local-path-provisioner'], out: 'local-path-provisioner' }] },
  ];
}

/** Our own images inside the node (CNI, storage); the manifests under images/node/manifests use these names. */
export const PADDOCKNET_IMAGE = 'docker.io/paddock/paddocknet:v0.2.0';
export const LOCAL_PATH_IMAGE = 'docker.io/paddock/local-path-provisioner:v0.0.30';
export const LOCAL_PATH_HELPER_IMAGE = 'docker.io/paddock/local-path-helper:v1';

/** The CoreDNS release we build (kubeadm's own tag may not be served by the Go proxy). */
export const COREDNS_BUILT_VERSION = 'v1.14.7';

/** Labels on images the builder makes. */
export const ImageLabels = {
  nodeImage: 'io.paddock.node-image',
  version: 'io.paddock.kubernetes-version',
  inputsHash: 'io.paddock.inputs-hash',
  stage: 'io.paddock.stage',
} as const;

export const STAGE_REPO = 'paddock-stage';
