/**
 * Pinned upstream node images: Kubernetes version → image reference with its
 * digest. Paddock's provisioner follows kind's node image contract
 * (/kind/kubeadm.conf, /kind/manifests/default-cni.yaml,
 * /kind/manifests/default-storage.yaml, /kind/version), so kind's published
 * kindest/node images are the upstream images. Only the digest is trusted:
 * tags on Docker Hub can be pushed again, digests cannot.
 *
 * PADDOCK_NODE_IMAGE_PINS=<file.json> replaces the table (a registry mirror,
 * or the tests' local registry): {"v1.36.4": "host:port/repo:tag@sha256:…"}.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';

/**
 * The images pre-built for kind v0.33.0, from its release notes
 * (github.com/kubernetes-sigs/kind/releases/tag/v0.33.0, as quoted in
 * github.com/polarsquad/krops/pull/112); v1.37.0 is also kind v0.33.0's
 * default in sigs.k8s.io/kind@v0.33.0/pkg/apis/config/defaults/image.go.
 */
export const UPSTREAM_NODE_IMAGE_PINS: Readonly<Record<string, string>> = {
  'v1.37.0': 'kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5',
  'v1.36.4': 'kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed',
  'v1.35.8': 'kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0',
  'v1.34.11': 'kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d',
};

const VERSION = /^v\d+\.\d+\.\d+$/;
/** [registry[:port]/]path[:tag]@sha256:<64 hex>; the digest is required. */
const PINNED_REF = /^((?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::([\w][\w.-]{0,127}))?@(sha256:[0-9a-f]{64})$/;

const PinsFileSchema = z.record(
  z.string(),
  z.string().regex(PINNED_REF, 'values are image references pinned by digest: repo[:tag]@sha256:<64 hex>'),
);

export interface PinnedImage {
  kubernetesVersion: string;
  /** As written in the table, e.g. kindest/node:v1.36.4@sha256:… */
  ref: string;
  /** Without tag or digest, e.g. kindest/node or 127.0.0.1:5000/paddock/node */
  repository: string;
  tag?: string;
  /** sha256:… of the manifest (list) the registry serves. */
  digest: string;
}

export function parsePinnedRef(kubernetesVersion: string, ref: string): PinnedImage {
  const m = PINNED_REF.exec(ref);
  if (!m) throw new PaddockError(ErrorCodes.INVALID_CONFIG, `node image pin for ${kubernetesVersion} is not pinned by digest: ${ref}`);
  return { kubernetesVersion, ref, repository: m[1]!, tag: m[2], digest: m[3]! };
}

/** repository@digest: what Docker pulls and lists in RepoDigests. */
export const digestRef = (pin: PinnedImage): string => `${pin.repository}@${pin.digest}`;

/** Docker writes Docker Hub names short in RepoDigests (kindest/node, busybox). */
export function normalizeRepository(repo: string): string {
  return repo.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
}

/** The pin table in use: PADDOCK_NODE_IMAGE_PINS's file when set, else the upstream table. */
export function loadPins(env: NodeJS.ProcessEnv = process.env): PinnedImage[] {
  let table: Record<string, string> = { ...UPSTREAM_NODE_IMAGE_PINS };
  const file = env.PADDOCK_NODE_IMAGE_PINS;
  if (file) {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new PaddockError(ErrorCodes.INVALID_CONFIG, `cannot read PADDOCK_NODE_IMAGE_PINS file ${file}: ${(e as Error).message}`, {
        remedy: 'point PADDOCK_NODE_IMAGE_PINS at a JSON object {"vX.Y.Z": "repo:tag@sha256:…"}, or unset it',
      });
    }
    const parsed = PinsFileSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PaddockError(ErrorCodes.INVALID_CONFIG, `PADDOCK_NODE_IMAGE_PINS file ${file}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
    }
    const badKey = Object.keys(parsed.data).find((k) => !VERSION.test(k));
    if (badKey !== undefined) {
      throw new PaddockError(ErrorCodes.INVALID_CONFIG, `PADDOCK_NODE_IMAGE_PINS file ${file}: "${badKey}": keys are Kubernetes versions like v1.36.4`);
    }
    table = parsed.data;
  }
  return Object.entries(table)
    .map(([v, ref]) => parsePinnedRef(v, ref))
    .sort((a, b) => compareVersions(b.kubernetesVersion, a.kubernetesVersion));
}

function compareVersions(a: string, b: string): number {
  const pa = a.slice(1).split('.').map(Number);
  const pb = b.slice(1).split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

const minorOf = (v: string) => v.split('.').slice(0, 2).join('.');

/**
 * The pin to pull. An asked version gets its exact pin or none. With no
 * version asked, the default version's pin, else the newest pin of the
 * default's minor (kind publishes other patch releases than Paddock builds).
 */
export function pinFor(kubernetesVersion: string | undefined, defaultVersion: string, pins: PinnedImage[] = loadPins()): PinnedImage | undefined {
  if (kubernetesVersion) return pins.find((p) => p.kubernetesVersion === kubernetesVersion);
  return pins.find((p) => p.kubernetesVersion === defaultVersion) ?? pins.find((p) => minorOf(p.kubernetesVersion) === minorOf(defaultVersion));
}

/** PADDOCK_NODE_IMAGE_PULL: "never" skips pulling (offline machines, CI); unset or "missing" pulls what is not here. */
export function pullAllowedByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.PADDOCK_NODE_IMAGE_PULL;
  if (v === undefined || v === '' || v === 'missing') return true;
  if (v === 'never') return false;
  throw new PaddockError(ErrorCodes.USAGE, `PADDOCK_NODE_IMAGE_PULL=${v} is not understood`, { remedy: 'use PADDOCK_NODE_IMAGE_PULL=never to never pull node images, or unset it' });
}
