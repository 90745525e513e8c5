/**
 * One generic installer for every addon of the catalog: apply exactly what
 * the addon owns (server-side apply from the host, field manager "paddock",
 * every object labelled managed-by=paddock + paddock.dev/addon=<id>), run its
 * host containers, wait for its readiness checks; remove exactly that again.
 * Whether an addon is enabled is read from the cluster, never from a file.
 */
import type * as k8s from '@kubernetes/client-node';
import { k8sLib } from '../kube/k8s-lib.js';
import { ErrorCodes, PaddockError, toPaddockError } from '../shared/errors.js';
import type { Progress } from '../shared/progress.js';
import { NETWORK_NAME } from '../shared/labels.js';
import type { DockerRuntime } from '../provisioner/runtime/docker.js';
import { ensureLbImage } from '../provisioner/lb-image.js';
import type { CatalogEntry } from './catalog.js';
import { ensureAddonImages, pulledImages, upstreamTag } from './images.js';
import { addonContainers, enabledParams, ensureHostContainer, hostContainerName, ensureProxy, proxyHostPorts, removeAddonContainers } from './host.js';
import { removeNodeFiles, writeNodeFiles } from './node-files.js';
import { runChecks, type CheckResult } from './health.js';
import { apiMessage, isNotFound, type ClusterApi } from './kube.js';
import { ADDON_LABEL, ownershipSelector, renderManifests, renderString, renderUsage, resolveParams, type KubeObject, type TemplateValues } from './render.js';

export const FIELD_MANAGER = 'paddock';

export interface AddonState {
  enabled: boolean;
  health: 'healthy' | 'unhealthy' | 'unknown' | 'disabled';
  status: string;
  usage?: string;
}

/** The addon's objects with default params; names and kinds never depend on params or image tags. */
function skeleton(entry: CatalogEntry, cluster: string): KubeObject[] {
  const images = Object.fromEntries(entry.spec.images.map((i) => [i.name, `${i.name}:status`]));
  return renderManifests(entry, { cluster, params: resolveParams(entry.spec), images });
}

const kindsOf = (objects: KubeObject[]) => [...new Map(objects.map((o) => [`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind }])).values()];

async function apply(api: ClusterApi, objects: KubeObject[], progress: Progress, stepId: string): Promise<void> {
  const { PatchStrategy } = await k8sLib();
  let done = 0;
  for (const obj of objects) {
    try {
      await api.objects.patch(obj as k8s.KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (e) {
      throw new PaddockError(ErrorCodes.INTERNAL, `applying ${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name} failed: ${apiMessage(e)}`, { cause: e });
    }
    progress.percent(stepId, (++done / objects.length) * 100);
  }
}

/** Objects of the addon present in the cluster: everything with its label, plus (for preinstalled addons) its manifest objects by name. */
async function ownedObjects(api: ClusterApi, entry: CatalogEntry, cluster: string): Promise<KubeObject[]> {
  const objects = skeleton(entry, cluster);
  const found = new Map<string, KubeObject>();
  const key = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  for (const { apiVersion, kind } of kindsOf(objects)) {
    const list = await api.objects.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, ownershipSelector(entry.spec.name));
    for (const item of list.items) found.set(key({ ...(item as KubeObject), apiVersion, kind }), { ...(item as KubeObject), apiVersion, kind });
  }
  if (entry.spec.detect) {
    for (const o of objects) {
      if (found.has(key(o))) continue;
      const existing = await api.objects.read({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } }).catch((e) => {
        if (isNotFound(e)) return undefined;
        throw e;
      });
      if (existing) found.set(key(o), o);
    }
  }
  return [...found.values()];
}

export async function isEnabled(api: ClusterApi, runtime: DockerRuntime, entry: CatalogEntry, cluster: string): Promise<boolean> {
  const objects = skeleton(entry, cluster);
  if (objects.length) {
    const first = objects[0]!;
    const list = await api.objects.list(first.apiVersion, first.kind, undefined, undefined, undefined, undefined, undefined, ownershipSelector(entry.spec.name), 1);
    if (list.items.length) return true;
  }
  if (entry.spec.detect) {
    const d = entry.spec.detect;
    const found = await api.objects.read({ apiVersion: d.apiVersion, kind: d.kind, metadata: { name: d.name, namespace: d.namespace } }).catch(() => undefined);
    if (found) return true;
  }
  return (await addonContainers(runtime, cluster, entry.spec.name)).length > 0;
}

export async function addonState(api: ClusterApi, runtime: DockerRuntime, entry: CatalogEntry, cluster: string, deep: boolean): Promise<AddonState> {
  if (!(await isEnabled(api, runtime, entry, cluster))) return { enabled: false, health: 'disabled', status: 'not enabled' };
  const hostPorts = await proxyHostPorts(runtime, cluster, entry.spec.name, [...entry.spec.hostProxies, ...entry.spec.hostContainers]);
  const results = await runChecks({ api, runtime, cluster, addon: entry.spec.name, hostPorts }, entry.spec.readiness, deep);
  const usage = renderUsage(entry.spec, { cluster: { name: cluster }, hostPorts, params: resolveParams(entry.spec) });
  return summarize(results, usage);
}

function summarize(results: CheckResult[], usage?: string): AddonState {
  if (!results.length) return { enabled: true, health: 'unknown', status: 'no readiness checks', usage };
  const ok = results.every((r) => r.ok);
  return { enabled: true, health: ok ? 'healthy' : 'unhealthy', status: results.map((r) => `${r.ok ? '✓' : '✗'} ${r.detail}`).join('\n'), usage };
}

/** `https://<control-plane endpoint>` as seen from containers on the Docker network. */
async function inNetworkServer(api: ClusterApi): Promise<string> {
  const cm = await api.core.readNamespacedConfigMap({ name: 'kubeadm-config', namespace: 'kube-system' });
  const endpoint = /controlPlaneEndpoint:\s*"?([^\s"]+)"?/.exec(cm.data?.ClusterConfiguration ?? '')?.[1];
  if (!endpoint) throw new PaddockError(ErrorCodes.INTERNAL, 'kubeadm-config has no controlPlaneEndpoint');
  return `https://${endpoint}`;
}

async function serviceAccountToken(api: ClusterApi, namespace: string, name: string): Promise<{ token: string; ca: string }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await api.core.readNamespacedSecret({ name, namespace }).catch(() => undefined);
    if (s?.data?.token && s.data['ca.crt']) return { token: Buffer.from(s.data.token, 'base64').toString(), ca: s.data['ca.crt'] };
    if (Date.now() > deadline) throw new PaddockError(ErrorCodes.TIMEOUT, `the token of secret ${namespace}/${name} was not filled in within 30 s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Values for node files: params, the host ports the addon got and its host containers' names on the Docker network. */
function nodeFileValues(spec: CatalogEntry['spec'], cluster: string, params: Record<string, string | number>, hostPorts: Record<string, Record<string, number>>): TemplateValues {
  return {
    cluster: { name: cluster },
    params,
    hostPorts,
    containers: Object.fromEntries(spec.hostContainers.map((hc) => [hc.name, hostContainerName(cluster, spec.name, hc.name)])),
  };
}

export interface EnableOptions {
  api: ClusterApi;
  runtime: DockerRuntime;
  cluster: string;
  entry: CatalogEntry;
  settings?: Record<string, string>;
  progress: Progress;
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Pods of the addon whose image cannot be pulled: the kubelet's first failed
 * pull is enough (no registry, unknown name); waiting out the readiness
 * timeout would only delay the same answer.
 */
async function pullFailure(api: ClusterApi, objects: KubeObject[], refs: string[]): Promise<{ image: string; message: string } | undefined> {
  if (!refs.length) return undefined;
  const namespaces = new Set(objects.map((o) => (o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace)).filter((n): n is string => !!n));
  for (const namespace of namespaces) {
    const pods = await api.core.listNamespacedPod({ namespace }).catch(() => undefined);
    for (const pod of pods?.items ?? []) {
      for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
        const w = c.state?.waiting;
        if (w && ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'].includes(w.reason ?? '') && refs.includes(c.image)) {
          return { image: c.image, message: `${w.reason}: ${(w.message ?? '').slice(0, 300)}` };
        }
      }
    }
  }
  return undefined;
}

/**
 * Enables an addon; when that fails, whatever it applied (labelled objects,
 * host containers, node files) is removed again, unless it was enabled
 * before (a failed re-enable must not take a working addon away).
 */
export async function enable(o: EnableOptions): Promise<AddonState> {
  const { api, runtime, cluster, entry, progress } = o;
  const spec = entry.spec;
  const params = resolveParams(spec, o.settings); // a bad setting is refused before anything is applied
  const before = await isEnabled(api, runtime, entry, cluster).catch(() => true);
  try {
    return await enableSteps(o, params);
  } catch (e) {
    const err = toPaddockError(e);
    if (before) throw err;
    let rolledBack = 'everything it applied was removed again';
    try {
      await progress.step('rollback', `Rolling back ${spec.name}`, () => disable({ api, runtime, cluster, entry, progress: progress.prefixed('rollback-') }));
    } catch (re) {
      rolledBack = `rolling back failed too (${toPaddockError(re).message}): remove the rest with \`paddock addons disable ${spec.name} --cluster ${cluster}\``;
    }
    throw new PaddockError(err.code, `enabling ${spec.name} failed: ${err.message}; ${rolledBack}`, { remedy: err.remedy, output: err.output, cause: err });
  }
}

async function enableSteps(o: EnableOptions, params: Record<string, string | number>): Promise<AddonState> {
  const { api, runtime, cluster, entry, progress } = o;
  const spec = entry.spec;
  const images = await ensureAddonImages(runtime, cluster, spec.images, progress);
  const pulled = pulledImages(spec.images, images);
  const objects = renderManifests(entry, { cluster, params, images });
  if (objects.length) await progress.step('apply', `Applying ${objects.length} objects of ${spec.name}`, () => apply(api, objects, progress, 'apply'));
  if (spec.hostProxies.length || spec.hostContainers.length) {
    await progress.step('host', `Host containers of ${spec.name}`, async () => {
      const lbImage = await ensureLbImage(runtime, progress);
      for (const proxy of spec.hostProxies) await ensureProxy(runtime, cluster, spec.name, proxy, params, lbImage);
      for (const hc of spec.hostContainers) {
        const values = { cluster: { name: cluster }, params, images, lbImage, network: NETWORK_NAME };
        const where = `${spec.name}/hostContainers.${hc.name}`;
        const env: Record<string, string> = Object.fromEntries(Object.entries(hc.env).map(([k, v]) => [k, String(renderString(v, values, where))]));
        const args = hc.args.map((a) => String(renderString(a, values, where)));
        if (hc.credentials) {
          const { token, ca } = await serviceAccountToken(api, hc.credentials.namespace, hc.credentials.secret);
          Object.assign(env, { KUBE_SERVER: await inNetworkServer(api), KUBE_TOKEN: token, KUBE_CA: ca });
        }
        await ensureHostContainer(runtime, cluster, spec.name, hc, images[hc.image]!, env, args, params);
      }
    });
  }
  if (spec.nodeFiles.length) {
    await progress.step('nodes', `Configuring the nodes for ${spec.name}`, async () => {
      const hostPorts = await proxyHostPorts(runtime, cluster, spec.name, [...spec.hostProxies, ...spec.hostContainers]);
      await writeNodeFiles(runtime, cluster, spec, nodeFileValues(spec, cluster, params, hostPorts), progress);
    });
  }
  return progress.step('ready', `Waiting for ${spec.name} to be ready`, async () => {
    const deadline = Date.now() + (o.readyTimeoutMs ?? 180_000);
    const hostPorts = await proxyHostPorts(runtime, cluster, spec.name, [...spec.hostProxies, ...spec.hostContainers]);
    const usage = renderUsage(spec, { cluster: { name: cluster }, hostPorts, params });
    for (;;) {
      if (o.signal?.aborted) throw new PaddockError(ErrorCodes.CANCELLED, `enabling ${spec.name} was cancelled`);
      const results = await runChecks({ api, runtime, cluster, addon: spec.name, hostPorts }, spec.readiness, true);
      const state = summarize(results, usage);
      if (state.health !== 'unhealthy') return state;
      const failed = await pullFailure(api, objects, Object.values(images));
      if (failed) {
        const img = pulled.find((i) => i.upstream === failed.image);
        const tag = img?.upstream ? upstreamTag(img.upstream) : failed.image;
        throw new PaddockError(ErrorCodes.IMAGE_MISSING, `the image ${tag} could not be had: it is not on the local Docker engine and the nodes cannot pull it (${failed.message})`, {
          remedy: img
            ? `on a machine with network: \`docker pull ${img.upstream}\` and \`docker save -o ${img.name}.tar ${tag}\`; here: \`docker load -i ${img.name}.tar\`, then \`paddock addons enable ${spec.name} --cluster ${cluster}\``
            : `check that ${failed.image} exists on this Docker engine or a registry the nodes reach`,
        });
      }
      if (Date.now() > deadline) {
        throw new PaddockError(ErrorCodes.TIMEOUT, `${spec.name} is applied but not ready after ${Math.round((o.readyTimeoutMs ?? 180_000) / 1000)} s`, {
          output: state.status,
          remedy: `the checks above say what was not ready; the addon's pods and events: \`kubectl get events -A --context paddock-${cluster}\``,
        });
      }
      progress.log(state.status.split('\n').filter((l) => l.startsWith('✗')).join('; '), 'ready');
      await new Promise((r) => setTimeout(r, 2000));
    }
  });
}

export async function disable(o: Omit<EnableOptions, 'settings'>): Promise<void> {
  const { api, runtime, cluster, entry, progress } = o;
  const spec = entry.spec;
  if (spec.nodeFiles.length) {
    // The paths may depend on params or the host port it got: read them before the containers go.
    const params = { ...resolveParams(spec), ...((await enabledParams(runtime, cluster, spec.name)) ?? {}) };
    const hostPorts = await proxyHostPorts(runtime, cluster, spec.name, [...spec.hostProxies, ...spec.hostContainers]);
    if (Object.keys(hostPorts).length) {
      await progress.step('nodes', `Removing node configuration of ${spec.name}`, () => removeNodeFiles(runtime, cluster, spec, nodeFileValues(spec, cluster, params, hostPorts)));
    }
  }
  await progress.step('host', `Removing host containers of ${spec.name}`, async () => {
    const n = await removeAddonContainers(runtime, cluster, spec.name, spec.hostContainers.map((h) => h.name));
    progress.log(`${n} container(s)`, 'host');
  });
  if (spec.serviceMarks) {
    const marks = spec.serviceMarks;
    await progress.step('unmark', `Clearing what ${spec.name} wrote on Services`, async () => {
      const { setHeaderOptions, PatchStrategy } = await k8sLib();
      const services = (await api.core.listServiceForAllNamespaces()).items.filter((svc) => svc.metadata?.annotations?.[marks.annotation] !== undefined);
      for (const svc of services) {
        const target = { name: svc.metadata!.name!, namespace: svc.metadata!.namespace! };
        await api.core.patchNamespacedService({ ...target, body: { metadata: { annotations: { [marks.annotation]: null } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)).catch(() => undefined);
        if (marks.loadBalancerStatus) {
          await api.core.patchNamespacedServiceStatus({ ...target, body: { status: { loadBalancer: { ingress: null } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)).catch(() => undefined);
        }
      }
      progress.log(`${services.length} Service(s)`, 'unmark');
    });
  }
  await progress.step('delete', `Deleting the objects of ${spec.name}`, async () => {
    const owned = await ownedObjects(api, entry, cluster);
    // Reverse manifest order: workloads before their RBAC, namespaces last.
    const order = new Map(skeleton(entry, cluster).map((o, i) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, i]));
    owned.sort((a, b) => (order.get(`${b.kind}/${b.metadata.namespace ?? ''}/${b.metadata.name}`) ?? -1) - (order.get(`${a.kind}/${a.metadata.namespace ?? ''}/${a.metadata.name}`) ?? -1));
    for (const obj of owned) {
      await api.objects.delete({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace } }, undefined, undefined, undefined, undefined, 'Background').catch((e) => {
        if (!isNotFound(e)) throw new PaddockError(ErrorCodes.INTERNAL, `deleting ${obj.kind} ${obj.metadata.name} failed: ${apiMessage(e)}`, { cause: e });
      });
    }
    progress.log(`${owned.length} object(s)`, 'delete');
  });
  await progress.step('gone', `Waiting until nothing of ${spec.name} is left`, async () => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const left = await ownedObjects(api, entry, cluster);
      const containers = await addonContainers(runtime, cluster, spec.name);
      if (!left.length && !containers.length) return;
      if (Date.now() > deadline) {
        throw new PaddockError(ErrorCodes.TIMEOUT, `${spec.name}: ${left.length} object(s) still there after 120 s`, { output: left.map((l) => `${l.kind} ${l.metadata.name}`).join('\n') });
      }
      await Promise.all(containers.map((c) => runtime.removeContainer(c.id)));
      await new Promise((r) => setTimeout(r, 1000));
    }
  });
}

export { ADDON_LABEL };
