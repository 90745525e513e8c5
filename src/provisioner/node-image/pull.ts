/**
 * Pulling node images through the engine's API (dockerode), so the engine
 * Paddock picked (--docker-context, DOCKER_HOST, contexts) is the one that
 * pulls. Pinned images are pulled by digest: the engine checks the content
 * against it, and we check the result carries it before using it.
 */
import type Docker from 'dockerode';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import type { Progress } from '../../shared/progress.js';
import type { DockerRuntime } from '../runtime/docker.js';
import { dockerError } from '../runtime/docker-errors.js';
import { defaultNodeImageName, DEFAULT_KUBERNETES_VERSION } from './recipe.js';
import { digestRef, loadPins, normalizeRepository, pinFor, type PinnedImage } from './pins.js';

export interface PulledNodeImage {
  /** The local name (paddock/node:<version>), tagged after the pull. */
  name: string;
  kubernetesVersion: string;
  /** repository@sha256:… as pinned. */
  pinned: string;
}

/** One JSON message of the engine's pull stream. */
interface PullMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;

/**
 * Tallies layers and bytes from the pull stream. Docker reports bytes of the
 * layers being downloaded only; a layer's total is known once it starts.
 */
export class PullTally {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();

  add(m: PullMessage): void {
    if (!m.id || !m.status) return;
    // "Pulling from x", digest lines and the like carry the repo or tag as id.
    const layerStatus = /^(Pulling fs layer|Waiting|Downloading|Verifying Checksum|Download complete|Extracting|Pull complete|Already exists)/.exec(m.status);
    if (!layerStatus) return;
    const l = this.layers.get(m.id) ?? { current: 0, total: 0, done: false };
    if (m.status.startsWith('Downloading') && m.progressDetail?.total) {
      l.current = m.progressDetail.current ?? l.current;
      l.total = m.progressDetail.total;
    }
    if (/^(Download complete|Verifying Checksum|Extracting)/.test(m.status) && l.total) l.current = l.total;
    if (/^(Pull complete|Already exists)/.test(m.status)) {
      l.done = true;
      if (l.total) l.current = l.total;
    }
    this.layers.set(m.id, l);
  }

  get summary(): { layers: number; done: number; current: number; total: number } {
    let done = 0;
    let current = 0;
    let total = 0;
    for (const l of this.layers.values()) {
      if (l.done) done++;
      current += l.current;
      total += l.total;
    }
    return { layers: this.layers.size, done, current, total };
  }

  line(what: string): string {
    const s = this.summary;
    return `pulling ${what}: ${s.done}/${s.layers} layers${s.total ? `, ${mb(s.current)} of ${mb(s.total)} downloaded` : ''}`;
  }

  /** Layers count fully, bytes of layers in flight by their share. */
  percent(): number {
    const s = this.summary;
    if (s.layers === 0) return 0;
    let sum = 0;
    for (const l of this.layers.values()) sum += l.done ? 1 : l.total ? (0.9 * l.current) / l.total : 0;
    return (100 * sum) / s.layers;
  }
}

/**
 * Pulls ref (repo[:tag] or repo@sha256:…) into the engine, reporting layers
 * and bytes as it goes (a log line at most every 2 s, and percent events).
 * Errors are PaddockErrors: DOCKER_UNREACHABLE when the engine is down,
 * IMAGE_MISSING with the registry's reason when the pull failed.
 */
export async function pullImage(runtime: DockerRuntime, ref: string, progress: Progress, stepId: string, signal?: AbortSignal): Promise<void> {
  const at = ref.indexOf('@');
  const colon = ref.lastIndexOf(':');
  // fromImage + tag: the engine takes a digest in the tag parameter too.
  const [fromImage, tag] = at >= 0 ? [ref.slice(0, at), ref.slice(at + 1)] : colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
  const refused = (reason: string, cause?: unknown) =>
    new PaddockError(ErrorCodes.IMAGE_MISSING, `could not pull ${ref}: ${reason.trim()}`, {
      remedy: 'check the network and the registry (see the reason above), or build the image with `paddock node-image build`',
      cause,
    });
  signal?.throwIfAborted();
  let stream: NodeJS.ReadableStream;
  try {
    stream = await runtime.docker.createImage({ fromImage, tag, abortSignal: signal });
  } catch (e) {
    if (signal?.aborted) throw signal.reason ?? new PaddockError(ErrorCodes.CANCELLED, 'cancelled');
    const transport = dockerError(e, `pulling ${ref}`, runtime.engine);
    if (transport.code !== ErrorCodes.DOCKER_FAILED) throw transport;
    const err = e as { json?: { message?: string }; message?: string };
    throw refused(err.json?.message ?? err.message ?? String(e), e);
  }
  const tally = new PullTally();
  let lastLog = 0;
  let lastPercent = -1;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      reject(signal!.reason ?? new PaddockError(ErrorCodes.CANCELLED, 'cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    runtime.docker.modem.followProgress(
      stream,
      (err: Error | null, output: PullMessage[]) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) return;
        const failed = output?.find((m) => m.error);
        if (err) reject(refused(err.message, err));
        else if (failed) reject(refused(failed.errorDetail?.message ?? failed.error ?? 'the engine reported an error'));
        else resolve();
      },
      (m: PullMessage) => {
        tally.add(m);
        const now = Date.now();
        const pct = Math.floor(tally.percent());
        if (pct !== lastPercent) {
          lastPercent = pct;
          progress.percent(stepId, pct);
        }
        if (now - lastLog >= 2000 || /^(Pull complete|Already exists)/.test(m.status ?? '')) {
          lastLog = now;
          progress.log(tally.line(ref), stepId);
        }
      },
    );
  });
  const s = tally.summary;
  progress.log(`pulled ${ref}: ${s.layers} layers${s.total ? `, ${mb(s.total)} downloaded` : ''}`, stepId);
}

/** True when the image carries the pinned repository@digest (Docker writes Hub names short). */
export function carriesDigest(img: { RepoDigests?: string[] | null }, pin: PinnedImage): boolean {
  const want = `${normalizeRepository(pin.repository)}@${pin.digest}`;
  return (img.RepoDigests ?? []).some((d) => {
    const at = d.lastIndexOf('@');
    return `${normalizeRepository(d.slice(0, at))}@${d.slice(at + 1)}` === want;
  });
}

async function tagAs(runtime: DockerRuntime, id: string, name: string): Promise<void> {
  const colon = name.lastIndexOf(':');
  try {
    await runtime.docker.getImage(id).tag({ repo: name.slice(0, colon), tag: name.slice(colon + 1) });
  } catch (e) {
    throw dockerError(e, `tagging ${id} as ${name}`, runtime.engine);
  }
}

/**
 * The pinned image for a version when it is already on the engine (pulled
 * before, or by `docker pull`), tagged paddock/node:<version>; else undefined.
 */
export async function findPulledNodeImage(runtime: DockerRuntime, kubernetesVersion?: string, pins: PinnedImage[] = loadPins()): Promise<PulledNodeImage | undefined> {
  const pin = pinFor(kubernetesVersion, DEFAULT_KUBERNETES_VERSION, pins);
  if (!pin) return undefined;
  const img = await runtime.inspectImage(digestRef(pin));
  if (!img || !carriesDigest(img, pin)) return undefined;
  const name = defaultNodeImageName(pin.kubernetesVersion);
  if (!(img.RepoTags ?? []).includes(name)) await tagAs(runtime, img.Id, name);
  return { name, kubernetesVersion: pin.kubernetesVersion, pinned: digestRef(pin) };
}

/** Every pinned image present on the engine (for `node-image list`). */
export async function listPulledNodeImages(runtime: DockerRuntime, pins: PinnedImage[] = loadPins()): Promise<{ pin: PinnedImage; image: Docker.ImageInspectInfo }[]> {
  const out: { pin: PinnedImage; image: Docker.ImageInspectInfo }[] = [];
  for (const pin of pins) {
    const image = await runtime.inspectImage(digestRef(pin));
    if (image && carriesDigest(image, pin)) out.push({ pin, image });
  }
  return out;
}

export class NoPinError extends PaddockError {
  constructor(kubernetesVersion: string | undefined, pins: PinnedImage[]) {
    super(ErrorCodes.IMAGE_MISSING, `no pinned node image for Kubernetes ${kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION}`, {
      remedy: `pinned versions: ${pins.map((p) => p.kubernetesVersion).join(', ') || 'none'}; or build it with \`paddock node-image build\``,
    });
  }
}

/**
 * Pulls the pinned image for a version (default: see pinFor) by digest,
 * checks it carries the pinned digest, and tags it paddock/node:<version> so
 * find and list know it. Throws NoPinError when the version has no pin.
 */
export async function pullNodeImage(
  runtime: DockerRuntime,
  opts: { kubernetesVersion?: string; progress: Progress; stepId?: string; signal?: AbortSignal; pins?: PinnedImage[] },
): Promise<PulledNodeImage> {
  const pins = opts.pins ?? loadPins();
  const pin = pinFor(opts.kubernetesVersion, DEFAULT_KUBERNETES_VERSION, pins);
  if (!pin) throw new NoPinError(opts.kubernetesVersion, pins);
  const stepId = opts.stepId ?? 'pull';
  const ref = digestRef(pin);
  opts.progress.log(`pulling ${pin.ref} (pinned node image for Kubernetes ${pin.kubernetesVersion})`, stepId);
  await pullImage(runtime, ref, opts.progress, stepId, opts.signal);
  const img = await runtime.inspectImage(ref);
  if (!img || !carriesDigest(img, pin)) {
    // The engine verifies content pulled by digest, so this means a registry
    // or mirror that answered with something else: do not use it.
    if (img) await runtime.docker.getImage(img.Id).remove({ noprune: false }).catch(() => undefined);
    throw new PaddockError(ErrorCodes.IMAGE_MISSING, `the image pulled for ${pin.ref} does not carry the pinned digest ${pin.digest} (got ${(img?.RepoDigests ?? []).join(', ') || 'none'})`, {
      remedy: 'check the registry or mirror in use; build the image with `paddock node-image build` instead',
    });
  }
  const name = defaultNodeImageName(pin.kubernetesVersion);
  await tagAs(runtime, img.Id, name);
  return { name, kubernetesVersion: pin.kubernetesVersion, pinned: ref };
}

/** Whether an error from a pull means "could not get it" (fall back to building) rather than "stop". */
export function isPullUnavailable(e: unknown): boolean {
  return e instanceof PaddockError && e.code === ErrorCodes.IMAGE_MISSING;
}
