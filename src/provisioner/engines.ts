/**
 * Clusters across Docker engines: the current engine plus every engine that
 * engines.json remembers a cluster on. An engine that does not answer is
 * reported as down with the reason, never as an engine without clusters.
 */
import type { ClusterSummary, EngineStatus } from '../shared/api.js';
import { ErrorCodes, PaddockError, toPaddockError } from '../shared/errors.js';
import { readEngineRecords, updateEngineRecords, type EngineRecord } from '../store/engines.js';
import { clusterContainers, listClusters } from './cluster-state.js';
import { dockerRuntime, type DockerRuntime } from './runtime/docker.js';
import { engineKey, engineLabel, type Engine } from './runtime/engine.js';

/** Another engine gets this long to answer; the current one has Docker's own timeouts. */
const OTHER_ENGINE_TIMEOUT_MS = 3000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function rememberedEngine(r: EngineRecord): Engine {
  return { ...r.engine, reason: `remembered: cluster "${r.cluster}" was made there` };
}

export interface ClustersAcrossEngines {
  clusters: ClusterSummary[];
  engines: EngineStatus[];
}

export async function listClustersAcrossEngines(current: DockerRuntime, runtimeOf: (e: Engine) => DockerRuntime = dockerRuntime): Promise<ClustersAcrossEngines> {
  const records = await readEngineRecords();
  const currentKey = engineKey(current.engine);
  const others = new Map<string, { engine: Engine; remembered: string[] }>();
  for (const r of records) {
    const key = engineKey(r.engine);
    if (key === currentKey) continue;
    const entry = others.get(key) ?? others.set(key, { engine: rememberedEngine(r), remembered: [] }).get(key)!;
    entry.remembered.push(r.cluster);
  }
  const targets = [{ runtime: current, remembered: records.filter((r) => engineKey(r.engine) === currentKey).map((r) => r.cluster), isCurrent: true }];
  for (const o of others.values()) targets.push({ runtime: runtimeOf(o.engine), remembered: o.remembered, isCurrent: false });

  const results = await Promise.all(
    targets.map(async (t) => {
      try {
        const list = listClusters(t.runtime);
        return { t, clusters: t.isCurrent ? await list : await withTimeout(list, OTHER_ENGINE_TIMEOUT_MS, `the Docker engine at ${t.runtime.engine.host}`) };
      } catch (e) {
        return { t, error: toPaddockError(e) };
      }
    }),
  );
  const first = results[0]!;
  // Nothing else to show: the current engine being down is the answer, as an error with its remedy.
  if (first.error && results.length === 1) throw first.error;

  const clusters: ClusterSummary[] = [];
  const engines: EngineStatus[] = [];
  const add: { cluster: string; engine: Engine }[] = [];
  const remove: { cluster: string; engine: Engine }[] = [];
  for (const { t, clusters: cs, error } of results) {
    const engine = t.runtime.engine;
    const status: EngineStatus = { name: engine.name, host: engine.host, reason: engine.reason, current: t.isCurrent, state: error ? 'down' : 'up' };
    if (error) {
      status.error = error.message;
      status.clusters = [...new Set(t.remembered)].sort();
    } else {
      for (const c of cs!) clusters.push({ ...c, engine: engine.name });
      status.clusters = cs!.map((c) => c.name);
      // Learn clusters seen on an engine; forget those gone from an engine that answered.
      for (const c of cs!) if (!t.remembered.includes(c.name)) add.push({ cluster: c.name, engine });
      for (const n of t.remembered) if (!cs!.some((c) => c.name === n)) remove.push({ cluster: n, engine });
    }
    engines.push(status);
  }
  if (add.length || remove.length) await updateEngineRecords({ add, remove }).catch(() => undefined);
  return { clusters, engines };
}

/**
 * The engine that holds a cluster: the current one when it has it, else a
 * remembered engine that answers and has it, else the current one (which
 * then reports "no cluster named …" as before).
 */
export async function runtimeForCluster(current: DockerRuntime, name: string, runtimeOf: (e: Engine) => DockerRuntime = dockerRuntime): Promise<DockerRuntime> {
  let currentDown: unknown;
  try {
    if ((await clusterContainers(current, name)).length > 0) return current;
  } catch (e) {
    // The current engine is down; the cluster's own engine may answer.
    currentDown = e;
  }
  const currentKey = engineKey(current.engine);
  let down: PaddockError | undefined;
  for (const r of await readEngineRecords()) {
    if (r.cluster !== name || engineKey(r.engine) === currentKey) continue;
    const rt = runtimeOf(rememberedEngine(r));
    try {
      if ((await withTimeout(clusterContainers(rt, name), OTHER_ENGINE_TIMEOUT_MS, `the Docker engine at ${rt.engine.host}`)).length > 0) return rt;
    } catch (e) {
      down = new PaddockError(ErrorCodes.DOCKER_UNREACHABLE, `cluster "${name}" was made on the Docker engine ${engineLabel(rt.engine)}, which does not answer: ${toPaddockError(e).message}`, {
        remedy: 'start that engine, or choose it with DOCKER_HOST or --docker-context',
        cause: e,
      });
    }
  }
  // Down is not "no such cluster".
  if (currentDown) throw toPaddockError(currentDown);
  if (down) throw down;
  return current;
}

export async function rememberCluster(name: string, engine: Engine): Promise<void> {
  await updateEngineRecords({ add: [{ cluster: name, engine }] });
}

export async function forgetCluster(name: string, engine: Engine): Promise<void> {
  await updateEngineRecords({ remove: [{ cluster: name, engine }] });
}
