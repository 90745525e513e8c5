/**
 * Runs saved port-forwards in this process. Each running forward keeps its
 * local port bound and loops: find a ready pod (locate.ts), watch that pod,
 * and when it goes away (deleted, terminating, not ready) end its open
 * connections cleanly and find the next one. A pod whose node is a
 * container on this machine's Docker engine is reached directly through a
 * NAT rule in that node (direct.ts); any other gets one portforward
 * WebSocket per local connection (the API path). Errors (cluster down, forbidden, context
 * gone) are retried with backoff, so a forward comes back by itself when
 * its cluster answers again.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type WebSocket from 'ws';
import type { ForwardInfo, ForwardSpec } from '../../shared/api.js';
import { ErrorCodes, PaddockError } from '../../shared/errors.js';
import { freePort, portOwner } from '../../provisioner/ports.js';
import { fileForwardStore, newForwardId, type ForwardStore, type StoredForward } from '../../store/forwards.js';
import type { ContextTarget } from '../client.js';
import { readKubeconfig } from '../contexts.js';
import { contextNotFound } from '../kubeconfig/plan.js';
import { ApiStatusError, authFor, loadTarget, openPortForward, watch, type Auth } from './kube-io.js';
import { locate } from './locate.js';
import { describeProcess, publishRuntime, readOthersRuntime, requestStop, runtimeDir, takeStopRequests, withdrawStop } from './runtime-file.js';
import { isPodReady, type PodLike } from './resolve.js';
import { formatTarget, parseRemotePort, parseTarget, type ForwardTarget } from './target.js';
import { SparePool, type SparePoolOptions } from './spares.js';
import { tunnel, type Tunnel, type TunnelCounters } from './tunnel.js';
import { checkReach, findNode, installRule, isLive, NoDirectPath, newOwner, ownerGone, ownerRuns, removeRules, type DirectAddress, type Installed } from './direct.js';
import { directTunnel } from './direct-tunnel.js';
import { mayPass, retryWithBackoff } from './direct-retry.js';
import type { Owner } from './direct-rules.js';
import { SpdySession } from './spdy.js';
import { spdyTunnel, type SpdyTarget } from './spdy-tunnel.js';
import { sleep } from '../../shared/sleep.js';

type State = ForwardInfo['state'];

interface Current {
  t: ContextTarget;
  auth: Auth;
  pod: string;
  /** The pod's uid: a pod recreated under the same name (StatefulSet) is another pod. */
  uid: string;
  port: number;
  /** Set when connections go straight to the pod through the node's NAT rule (direct.ts). */
  direct?: DirectAddress;
}

interface Conn {
  uid: string;
  tun?: Tunnel;
  /** The SPDY session the connection is a stream on: one the forward left for the direct path closes when its last connection ends. */
  session?: SpdySession;
  /** When the connection took a stream opened ahead: such a stream may have been closed by the app just then, and is retried once. */
  spareAt?: number;
}

interface Running {
  spec: StoredForward;
  target: ForwardTarget;
  server: net.Server;
  state: State;
  reason?: string;
  lastError?: string;
  current?: Current;
  /** Streams to the current pod opened ahead of connections. */
  spares: SparePool;
  counters: TunnelCounters;
  open: Set<Conn>;
  total: number;
  life: AbortController;
  watchAbort?: AbortController;
  waiters: Set<() => void>;
  /** Pod lookups started and finished, so a failed connection can wait for one that started after it failed. */
  lookupsStarted: number;
  lookupsDone: number;
  /** Which path the current pod is reached by, and why not directly. */
  path?: 'direct' | 'api';
  pathReason?: string;
  /** The forward's NAT rule in a node container, while it has one. */
  installed?: Installed;
  /** A node container the direct path did not work with lately (unreachable from here), and why. */
  noDirect?: { container: string; until: number; reason: string };
  /** Tries of the direct path for the current pod while it is served through the API (tryDirectLater). */
  directRetry?: { uid: string; active: boolean; stop: () => void; done: Promise<void> };
  /** The API path's SPDY session to the current pod (one per pod, all connections as streams on it). */
  spdy?: { key: string; session?: SpdySession; opening?: Promise<SpdySession | undefined>; failed?: string };
}

/** PADDOCK_FORWARD_SPARES=N sets how many streams are opened ahead (0: none), for comparisons such as bench/forward. */
function sparesFromEnv(): SparePoolOptions | undefined {
  const v = process.env.PADDOCK_FORWARD_SPARES;
  return v !== undefined && /^\d+$/.test(v) ? { size: Number(v) } : undefined;
}

/** A stream opened ahead that ends unanswered this soon after being taken is retried on a new one. */
const SPARE_RETRY_MS = 1_000;
/** A node container the direct path could not reach is not tried again for this long. */
const NO_DIRECT_MS = 5 * 60_000;
/** PADDOCK_FORWARD_PATH=api keeps every forward on the API path (benchmarks, tests of that path). */
const forcedApi = () => process.env.PADDOCK_FORWARD_PATH === 'api';
/** PADDOCK_FORWARD_API=v4 makes the API path use one v4 WebSocket per connection instead of one SPDY session per pod. */
const useSpdy = () => process.env.PADDOCK_FORWARD_API !== 'v4';
const spareKey = (c: Current) => `${c.uid}:${c.port}`;

export interface ForwardStateChange {
  id: string;
  state: State;
  reason?: string;
  pod?: string;
}

export interface ForwardManagerOptions {
  store?: ForwardStore;
  /** Called (coalesced) whenever a forward's state or connections change. */
  onChange?: () => void;
  /** Called on every state transition, e.g. for the CLI's foreground log. */
  onState?: (c: ForwardStateChange) => void;
  /** How long a new connection waits for a ready pod before it is closed. */
  connectWaitMs?: number;
  /** How long `stop` waits for another process that holds the forward to stop it. */
  stopWaitMs?: number;
  /** Streams opened ahead of connections (spares.ts); size 0 turns them off. */
  spares?: SparePoolOptions;
}

function describe(e: unknown): string {
  if (e instanceof PaddockError) return e.remedy ? `${e.message} (${e.remedy})` : e.message;
  if (e instanceof ApiStatusError) {
    if (e.status === 401) return `the cluster refused the credentials: ${e.message}`;
    if (e.status === 403) return `not allowed: ${e.message}`;
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Why a forward waits for its context: a Paddock cluster in short, any other context with where it came from (`detail`). */
export function contextGone(context: string, detail: string): string {
  const cluster = context.startsWith('paddock-') ? context.slice('paddock-'.length) : undefined;
  const what = cluster ? `cluster "${cluster}" is gone (deleted?)` : detail;
  return `${what}; the forward resumes when it is back, or remove it if it is not coming back`;
}

export function forwardNotFound(id: string): PaddockError {
  return new PaddockError(ErrorCodes.FORWARD_NOT_FOUND, `no forward with id "${id}"`, { remedy: 'see `paddock forward list` for the ids' });
}

export async function portInUse(address: string, port: number, what: string): Promise<PaddockError> {
  const owner = await portOwner(port).catch(() => undefined);
  return new PaddockError(ErrorCodes.PORT_IN_USE, `port ${address}:${port} (${what}) is already in use${owner ? ` by ${owner}` : ''}`, {
    remedy: `stop what uses port ${port}, or choose another local port`,
  });
}

export class ForwardManager {
  readonly store: ForwardStore;
  private running = new Map<string, Running>();
  /** Why a forward could not start (port in use …), until it starts or is removed. */
  private failed = new Map<string, string>();
  private changeTimer: NodeJS.Timeout | undefined;
  private publishTimer: NodeJS.Timeout | undefined;
  /** This process holds forwards (app, tray, `forward start`): it publishes them and follows the store. */
  private holding = false;
  private storeWatcher: fs.FSWatcher | undefined;
  private requestWatcher: fs.FSWatcher | undefined;
  private known = new Set<string>();
  /** Names this manager in the NAT rules it owns, so other processes can tell them from stale ones. */
  private readonly owner: Owner = newOwner();

  constructor(private readonly opts: ForwardManagerOptions = {}) {
    this.store = opts.store ?? fileForwardStore();
  }

  /** Saved forwards with their live state: from this process, or from another Paddock process that holds them. */
  async list(): Promise<ForwardInfo[]> {
    const saved = await this.store.load();
    const others = await readOthersRuntime(this.store.file).catch(() => new Map<string, ForwardInfo>());
    return saved.map((s) => {
      const other = others.get(s.id);
      return !this.running.has(s.id) && other ? { ...other, autoStart: s.autoStart } : this.info(s);
    });
  }

  async get(id: string): Promise<ForwardInfo> {
    const r = this.running.get(id);
    if (r) return this.info(r.spec);
    const s = (await this.store.load()).find((f) => f.id === id);
    if (!s) throw forwardNotFound(id);
    return this.info(s);
  }

  /** Saves a forward: checks the target and ports, remembers the context's file, picks and keeps a free port for LOCAL 0. */
  async add(input: ForwardSpec): Promise<ForwardInfo> {
    const target = parseTarget(input.target);
    const remotePort = typeof input.remotePort === 'string' ? parseRemotePort(input.remotePort) : input.remotePort;
    const localAddress = input.localAddress ?? '127.0.0.1';
    let kubeconfig = input.kubeconfig;
    if (!kubeconfig) {
      const m = await readKubeconfig();
      const ctx = m.contexts.get(input.context);
      if (!ctx) throw contextNotFound(input.context, m);
      kubeconfig = ctx.file;
    }
    const localPort = input.localPort === 0 || input.localPort === undefined ? await freePort(localAddress) : input.localPort;
    const spec = await this.store.update((all) => {
      const clash = all.find((f) => f.localPort === localPort && (f.localAddress === localAddress || f.localAddress === '0.0.0.0' || localAddress === '0.0.0.0'));
      if (clash) {
        throw new PaddockError(ErrorCodes.PORT_IN_USE, `local port ${localAddress}:${localPort} is already used by forward "${clash.id}" (${clash.target})`, {
          remedy: 'choose another local port, or 0 for any free one',
        });
      }
      const s: StoredForward = {
        id: newForwardId(formatTarget(target), remotePort, all.map((f) => f.id)),
        context: input.context,
        kubeconfig,
        namespace: input.namespace ?? 'default',
        target: formatTarget(target),
        localAddress,
        localPort,
        remotePort,
        autoStart: input.autoStart ?? true,
        createdAt: new Date().toISOString(),
      };
      all.push(s);
      return s;
    });
    this.known.add(spec.id);
    this.changed();
    if (this.holding && spec.autoStart) return this.start(spec.id).catch(() => this.info(spec));
    return this.info(spec);
  }

  async remove(id: string): Promise<void> {
    await this.stopRunning(id);
    const found = await this.store.update((all) => {
      const i = all.findIndex((f) => f.id === id);
      if (i >= 0) all.splice(i, 1);
      return i >= 0;
    });
    if (!found) throw forwardNotFound(id);
    this.failed.delete(id);
    this.changed();
  }

  /** Binds the local port (PORT_IN_USE names the owner) and starts forwarding; resolves once the first pod lookup is done or 3 s passed. */
  async start(id: string): Promise<ForwardInfo> {
    this.holding = true;
    this.watchStopRequests();
    const existing = this.running.get(id);
    if (existing) return this.info(existing.spec);
    const spec = (await this.store.load()).find((f) => f.id === id);
    if (!spec) throw forwardNotFound(id);
    try {
      const r = await this.listen(spec);
      this.failed.delete(id);
      this.running.set(id, r);
      ownerRuns(this.owner, id, true);
      this.setState(r, 'waiting', 'starting');
      const first = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 3000);
        r.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      void this.loop(r);
      await first;
      return this.info(spec);
    } catch (e) {
      this.failed.set(id, describe(e));
      this.changed();
      throw e;
    }
  }

  /**
   * Stops a forward held here, or asks the process that holds it (the GUI, a
   * foreground `forward start`) to stop it and waits until it did.
   */
  async stop(id: string): Promise<ForwardInfo> {
    const spec = this.running.get(id)?.spec ?? (await this.store.load()).find((f) => f.id === id);
    if (!spec) throw forwardNotFound(id);
    if (!this.running.has(id)) {
      const other = (await readOthersRuntime(this.store.file).catch(() => new Map<string, { heldBy: number }>())).get(id);
      if (other) await this.stopElsewhere(id, other.heldBy);
    }
    await this.stopRunning(id);
    this.failed.delete(id);
    return this.info(spec);
  }

  private async stopElsewhere(id: string, holder: number): Promise<void> {
    await requestStop(this.store.file, holder, id);
    // The holder stops it within its watch delay and republishes within 300 ms.
    const deadline = Date.now() + (this.opts.stopWaitMs ?? 5000);
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const still = (await readOthersRuntime(this.store.file).catch(() => undefined))?.get(id);
      if (!still || still.heldBy !== holder) return;
    }
    await withdrawStop(this.store.file, holder, id);
    const who = await describeProcess(holder);
    throw new PaddockError(ErrorCodes.CLUSTER_BUSY, `forward ${id} is held by another process, ${who}, which did not stop it`, {
      remedy: `stop it where it runs (the GUI or tray menu, Ctrl-C for \`paddock forward start\`), or end that process: kill ${holder}`,
    });
  }

  /** Starts saved forwards; one that cannot start (port in use) is reported in its info, the others still start. */
  async startAll(opts: { autoStartOnly?: boolean } = {}): Promise<ForwardInfo[]> {
    this.holding = true;
    this.watchStopRequests();
    const saved = await this.store.load();
    for (const s of saved) this.known.add(s.id);
    this.followStore();
    await Promise.all(saved.filter((s) => !opts.autoStartOnly || s.autoStart).map((s) => this.start(s.id).catch(() => undefined)));
    return this.list();
  }

  async stopAll(): Promise<ForwardInfo[]> {
    await Promise.all([...this.running.keys()].map((id) => this.stopRunning(id)));
    return this.list();
  }

  /** Ids running in this process. */
  runningIds(): string[] {
    return [...this.running.keys()];
  }

  async dispose(): Promise<void> {
    clearTimeout(this.changeTimer);
    this.storeWatcher?.close();
    this.storeWatcher = undefined;
    this.requestWatcher?.close();
    this.requestWatcher = undefined;
    await Promise.all([...this.running.keys()].map((id) => this.stopRunning(id)));
    ownerGone(this.owner);
    clearTimeout(this.publishTimer);
    await publishRuntime(this.store.file, []).catch(() => undefined);
  }

  /**
   * While this process holds forwards, forwards another process adds
   * (`paddock forward add` next to the GUI) start here, and removed ones stop.
   */
  private followStore(): void {
    if (this.storeWatcher) return;
    const dir = path.dirname(this.store.file);
    const base = path.basename(this.store.file);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      let timer: NodeJS.Timeout | undefined;
      this.storeWatcher = fs.watch(dir, (_ev, file) => {
        if (file !== null && file !== base) return;
        clearTimeout(timer);
        timer = setTimeout(() => void this.reconcile().catch(() => undefined), 200);
      });
      this.storeWatcher.on('error', () => undefined);
      this.storeWatcher.unref();
    } catch {
      // Without a watch, forwards added elsewhere start at the next app start.
    }
  }

  /** While this process holds forwards, `paddock forward stop ID` elsewhere asks it to stop one (runtime-file.ts). */
  private watchStopRequests(): void {
    if (this.requestWatcher) return;
    const dir = runtimeDir(this.store.file);
    const handle = async () => {
      for (const id of await takeStopRequests(this.store.file)) await this.stopRunning(id);
      this.changed();
    };
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      let timer: NodeJS.Timeout | undefined;
      this.requestWatcher = fs.watch(dir, (_ev, file) => {
        if (file !== null && !file.startsWith(`${process.pid}.stop.`)) return;
        clearTimeout(timer);
        timer = setTimeout(() => void handle().catch(() => undefined), 50);
      });
      this.requestWatcher.on('error', () => undefined);
      this.requestWatcher.unref();
    } catch {
      // Without a watch, `forward stop` elsewhere says which process holds the forward.
    }
    void handle().catch(() => undefined);
  }

  private async reconcile(): Promise<void> {
    const saved = await this.store.load();
    const ids = new Set(saved.map((s) => s.id));
    for (const id of this.running.keys()) if (!ids.has(id)) await this.stopRunning(id);
    for (const s of saved) {
      if (this.known.has(s.id)) continue;
      this.known.add(s.id);
      if (s.autoStart) await this.start(s.id).catch(() => undefined);
    }
    for (const id of this.known) if (!ids.has(id)) this.known.delete(id);
    this.changed();
  }

  private info(s: StoredForward): ForwardInfo {
    const r = this.running.get(s.id);
    const base = { ...s, kubeconfig: s.kubeconfig };
    delete (base as Partial<StoredForward>).createdAt;
    if (!r) {
      const failed = this.failed.get(s.id);
      return { ...base, state: failed ? 'error' : 'stopped', reason: failed, lastError: failed, bytesIn: 0, bytesOut: 0, connections: 0, connectionsTotal: 0, local: false };
    }
    return {
      ...base,
      localPort: r.spec.localPort,
      state: r.state,
      reason: r.reason,
      pod: r.current?.pod,
      podPort: r.current?.port,
      bytesIn: r.counters.bytesIn,
      bytesOut: r.counters.bytesOut,
      connections: r.open.size,
      connectionsTotal: r.total,
      lastError: r.lastError,
      local: true,
      path: r.current ? r.path : undefined,
      pathReason: r.current && r.path === 'api' && r.pathReason ? `${r.pathReason}${r.directRetry?.active ? '; trying the direct path again' : ''}` : undefined,
    };
  }

  private async listen(spec: StoredForward): Promise<Running> {
    const r: Running = {
      spec: { ...spec },
      target: parseTarget(spec.target),
      server: net.createServer({ allowHalfOpen: true, noDelay: true }),
      state: 'waiting',
      spares: new SparePool(this.opts.spares ?? sparesFromEnv()),
      counters: { bytesIn: 0, bytesOut: 0 },
      open: new Set(),
      total: 0,
      life: new AbortController(),
      waiters: new Set(),
      lookupsStarted: 0,
      lookupsDone: 0,
    };
    r.server.on('connection', (sock) => void this.accept(r, sock));
    await new Promise<void>((resolve, reject) => {
      r.server.once('error', reject);
      r.server.listen({ port: spec.localPort, host: spec.localAddress, exclusive: true }, () => {
        r.server.off('error', reject);
        resolve();
      });
    }).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') throw await portInUse(spec.localAddress, spec.localPort, `forward ${spec.id}`);
      if (e.code === 'EADDRNOTAVAIL') throw new PaddockError(ErrorCodes.INVALID_CONFIG, `${spec.localAddress} is not an address of this machine`, { remedy: 'use 127.0.0.1, or an address this machine has' });
      throw e;
    });
    r.server.on('error', (e) => {
      r.lastError = e.message;
      this.changed();
    });
    const addr = r.server.address();
    if (spec.localPort === 0 && addr && typeof addr === 'object') {
      // A forward asked for any free port keeps the one it got.
      r.spec.localPort = addr.port;
      await this.store.update((all) => {
        const s = all.find((f) => f.id === spec.id);
        if (s) s.localPort = addr.port;
      });
    }
    return r;
  }

  private async stopRunning(id: string): Promise<void> {
    const r = this.running.get(id);
    if (!r) return;
    this.running.delete(id);
    r.life.abort();
    r.watchAbort?.abort();
    r.spares.dispose();
    r.spdy?.session?.close('the forward stopped');
    r.spdy = undefined;
    for (const w of r.waiters) w();
    // close() unbinds at once; open connections are cut so nothing lingers on the port.
    const closed = new Promise<void>((resolve) => r.server.close(() => resolve()));
    for (const c of r.open) {
      c.tun?.end();
      c.session?.close('the forward stopped');
    }
    await closed;
    ownerRuns(this.owner, id, false);
    await this.uninstall(r);
    this.setState(r, 'stopped', undefined);
  }

  private setState(r: Running, state: State, reason: string | undefined): void {
    const changed = r.state !== state || r.reason !== reason;
    r.state = state;
    r.reason = reason;
    if (state === 'error' && reason) r.lastError = reason;
    if (changed) {
      this.opts.onState?.({ id: r.spec.id, state, reason, pod: r.current?.pod });
      this.changed();
    }
    if (state !== 'waiting' || reason !== 'starting') {
      for (const w of [...r.waiters]) w();
      r.waiters.clear();
    }
  }

  private changed(): void {
    if (this.holding && !this.publishTimer) {
      this.publishTimer = setTimeout(() => {
        this.publishTimer = undefined;
        const held = [...this.running.values()].map((r) => this.info(r.spec));
        void publishRuntime(this.store.file, held).catch(() => undefined);
      }, 300);
      this.publishTimer.unref();
    }
    if (!this.opts.onChange || this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.opts.onChange?.();
    }, 100);
  }

  private async loop(r: Running): Promise<void> {
    const signal = r.life.signal;
    let backoff = 0;
    while (!signal.aborted) {
      try {
        const t = await loadTarget(r.spec);
        const auth = await authFor(t);
        const lookup = ++r.lookupsStarted;
        const loc = await locate(t, auth, r.spec.namespace, r.target, r.spec.remotePort);
        if (signal.aborted) break;
        if ('waiting' in loc) {
          r.lookupsDone = lookup;
          this.setCurrent(r, undefined);
          this.setState(r, 'waiting', loc.waiting);
          backoff = 0;
          // Polled while waiting: a new pod is used within half a second of being ready.
          await sleep(500, signal);
          continue;
        }
        // One attempt at the pod's rule at a time: the background tries end first.
        await this.endDirectRetry(r);
        const uid = loc.pod.metadata.uid ?? loc.pod.metadata.name;
        const { address: direct, again } = await this.directPath(r, loc.pod, loc.port, signal);
        if (signal.aborted) break;
        this.setCurrent(r, { t, auth, pod: loc.pod.metadata.name, uid, port: loc.port, direct });
        r.lookupsDone = lookup;
        backoff = 0;
        this.setState(r, 'connected', `pod ${loc.pod.metadata.name} port ${loc.port}`);
        if (again) this.tryDirectLater(r, loc.pod, loc.port, uid);
        const lost = await this.watchPod(r, t, auth, loc.pod);
        if (lost && !signal.aborted) {
          this.setCurrent(r, undefined);
          for (const c of r.open) if (c.uid === uid) c.tun?.end({ moveIfUnanswered: true });
          this.setState(r, 'waiting', lost);
        }
      } catch (e) {
        if (signal.aborted) break;
        this.setCurrent(r, undefined);
        // A deleted cluster is often made again under the same name: wait for it, not an error.
        if (e instanceof PaddockError && e.code === ErrorCodes.CONTEXT_NOT_FOUND) this.setState(r, 'waiting', contextGone(r.spec.context, e.message));
        else this.setState(r, 'error', describe(e));
        backoff = Math.min(Math.max(backoff * 2, 500), 5000);
        await sleep(backoff, signal);
      }
    }
  }

  private setCurrent(r: Running, cur: Current | undefined): void {
    r.current = cur;
    if (r.directRetry && r.directRetry.uid !== cur?.uid) r.directRetry.stop();
    const key = cur && !cur.direct && !r.life.signal.aborted && useSpdy() ? spareKey(cur) : undefined;
    if (r.spdy && r.spdy.key !== key) {
      const { key: was, session } = r.spdy;
      r.spdy = undefined;
      // Same pod, now direct: connections on the session run on, and the last one closes it (accept).
      const inUse = !!cur?.direct && was === spareKey(cur) && [...r.open].some((c) => c.session === session);
      if (!inUse) session?.close('the forward moved to another pod');
    }
    if (key && cur) {
      // One SPDY session per pod, opened now so the first connection does not wait for it.
      if (!r.spdy) void this.spdySession(r, cur);
      if (!r.spdy?.failed) return r.spares.setTarget(undefined);
    }
    if (!cur || cur.direct || r.life.signal.aborted) return r.spares.setTarget(undefined);
    r.spares.setTarget(spareKey(cur), () => openPortForward(cur.t, cur.auth, r.spec.namespace, cur.pod, cur.port));
  }

  /** The open SPDY session to the current pod, opened (again) when needed; undefined when the API refuses SPDY (then v4 WebSockets are used). */
  private async spdySession(r: Running, cur: Current): Promise<SpdySession | undefined> {
    const key = spareKey(cur);
    // Only for the pod the forward uses now: a late caller must not replace its session.
    if (!r.current || spareKey(r.current) !== key) return undefined;
    let s = r.spdy?.key === key ? r.spdy : undefined;
    if (s?.failed) return undefined;
    if (s?.session && !s.session.closed) return s.session;
    if (s?.opening) return s.opening;
    s = { key };
    r.spdy = s;
    const entry = s;
    entry.opening = SpdySession.open(cur.t, cur.auth, r.spec.namespace, cur.pod, 10_000).then(
      (session) => {
        entry.opening = undefined;
        if (r.spdy !== entry || r.life.signal.aborted) {
          session.close('not needed any more');
          return undefined;
        }
        entry.session = session;
        return session;
      },
      (e: Error) => {
        entry.opening = undefined;
        if (r.spdy !== entry) return undefined;
        // An API server that refuses the upgrade (403 is a real refusal, not SPDY's fault) or a proxy that drops it: v4 from now on for this pod.
        entry.failed = e.message;
        r.lastError = `SPDY port-forward failed, using WebSockets: ${e.message}`;
        if (r.current && spareKey(r.current) === key) r.spares.setTarget(key, () => openPortForward(cur.t, cur.auth, r.spec.namespace, cur.pod, cur.port));
        return undefined;
      },
    );
    return entry.opening;
  }

  /** Like retryElsewhere, for a connection on a SPDY session. */
  private async retrySpdy(r: Running, conn: Conn, why: string): Promise<SpdyTarget | undefined> {
    // A forward that moved to the direct path has no session to offer.
    const next = await this.nextPod(r, conn, why, (cur) => !!cur.direct);
    if (!next) return undefined;
    // Same pod after a fresh look: the app itself refused, unless the session had died (then a new one).
    if (next.samePod && !/session|API server/.test(why)) return undefined;
    conn.uid = next.cur.uid;
    const session = await this.spdySession(r, next.cur);
    return session ? { session, port: next.cur.port } : undefined;
  }

  /**
   * After a connection failed on its pod: waits (up to connectWaitMs) until
   * the forward has a current pod that is another one, or the same one after
   * a lookup that started after the failure; undefined at once when giveUpOn
   * says so of the current pod.
   */
  private async nextPod(r: Running, conn: Conn, why: string, giveUpOn?: (cur: Current) => boolean): Promise<{ cur: Current; samePod: boolean } | undefined> {
    r.lastError = why;
    const failed = conn.uid;
    const since = r.lookupsStarted;
    if (r.current?.uid === failed) r.watchAbort?.abort();
    const deadline = Date.now() + (this.opts.connectWaitMs ?? 20_000);
    while (!r.life.signal.aborted && Date.now() < deadline) {
      const cur = r.current;
      if (cur && giveUpOn?.(cur)) return undefined;
      if (cur && (cur.uid !== failed || r.lookupsDone > since)) return { cur, samePod: cur.uid === failed };
      await new Promise((res) => setTimeout(res, 50));
    }
    return undefined;
  }

  /** Resolves with why the pod is lost, or undefined when the watch ended (timeout, re-check asked) and the pod should be looked up again. */
  private async watchPod(r: Running, t: ContextTarget, auth: Auth, pod: PodLike & { metadata: { name: string } }): Promise<string | undefined> {
    const ac = new AbortController();
    r.watchAbort = ac;
    const onLife = () => ac.abort();
    r.life.signal.addEventListener('abort', onLife, { once: true });
    let lost: string | undefined;
    const name = pod.metadata.name;
    const path =
      `/api/v1/namespaces/${encodeURIComponent(r.spec.namespace)}/pods?watch=1&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}` +
      `&resourceVersion=${encodeURIComponent(pod.metadata.resourceVersion ?? '0')}&timeoutSeconds=240`;
    try {
      await watch<PodLike & { code?: number }>(
        t,
        auth,
        path,
        (ev) => {
          if (lost) return;
          if (ev.type === 'ERROR') return ac.abort(); // 410 Gone and the like: look again
          const o = ev.object;
          if (ev.type === 'DELETED') lost = `pod ${name} was deleted`;
          else if (o.metadata?.uid && pod.metadata.uid && o.metadata.uid !== pod.metadata.uid) lost = `pod ${name} was replaced`;
          else if (o.metadata?.deletionTimestamp) lost = `pod ${name} is terminating`;
          else if (!isPodReady(o)) lost = `pod ${name} is not ready`;
          else if (o.status?.podIP && pod.status?.podIP && o.status.podIP !== pod.status.podIP) lost = `pod ${name} has a new address`;
          if (lost) ac.abort();
        },
        ac.signal,
      );
      return lost;
    } catch (e) {
      if (ac.signal.aborted) return lost;
      throw e;
    } finally {
      r.life.signal.removeEventListener('abort', onLife);
      if (r.watchAbort === ac) r.watchAbort = undefined;
    }
  }

  private waitForCurrent(r: Running, ms: number): Promise<Current | undefined> {
    if (r.current) return Promise.resolve(r.current);
    return new Promise((resolve) => {
      const check = () => {
        if (r.current || r.life.signal.aborted) {
          clearInterval(timer);
          clearTimeout(deadline);
          resolve(r.current);
        }
      };
      const timer = setInterval(check, 50);
      const deadline = setTimeout(() => {
        clearInterval(timer);
        resolve(r.current);
      }, ms);
    });
  }

  /**
   * For a connection whose pod ended the stream before answering: look the
   * target up again now, and give a stream to another ready pod when there is
   * one (the tunnel sends the client's bytes again). Undefined when the same
   * pod is still the one to use (the app itself refused) or none came in time.
   */
  private async retryElsewhere(r: Running, conn: Conn, why: string): Promise<WebSocket | undefined> {
    const cur = r.current;
    if (conn.spareAt !== undefined && Date.now() - conn.spareAt < SPARE_RETRY_MS && cur?.uid === conn.uid) {
      // The stream opened ahead ended just as it was taken (the app closed it while idle): once more on a new one.
      conn.spareAt = undefined;
      return openPortForward(cur.t, cur.auth, r.spec.namespace, cur.pod, cur.port);
    }
    conn.spareAt = undefined;
    const next = await this.nextPod(r, conn, why);
    if (!next || next.samePod) return undefined;
    conn.uid = next.cur.uid;
    return openPortForward(next.cur.t, next.cur.auth, r.spec.namespace, next.cur.pod, next.cur.port);
  }

  /**
   * For a direct connection that failed before its pod answered: look the
   * target up again (which also puts the node's rule back, e.g. after the
   * node restarted) and hand the connection the address to use now.
   */
  private async retryDirect(r: Running, conn: Conn, why: string): Promise<DirectAddress | undefined> {
    const next = await this.nextPod(r, conn, why);
    if (!next) return undefined;
    conn.uid = next.cur.uid;
    return next.cur.direct;
  }


  /**
   * Puts the forward's NAT rule for this pod into its node container and
   * checks this host reaches the pod through it. No address, with the reason
   * kept for `forward list`, when the forward must use the API path; `again`
   * when the failure may pass. `signal` aborts when the forward stops (or,
   * for a background try, moves to another pod).
   */
  private async directPath(r: Running, pod: PodLike, port: number, signal: AbortSignal): Promise<{ address?: DirectAddress; again: boolean }> {
    if (forcedApi()) {
      await this.uninstall(r);
      r.path = 'api';
      r.pathReason = 'PADDOCK_FORWARD_PATH=api';
      return { again: false };
    }
    let container: string | undefined;
    try {
      const node = await findNode(r.spec.context, { nodeName: pod.spec?.nodeName, hostIp: pod.status?.hostIP, podIp: pod.status?.podIP });
      container = node.container;
      if (r.noDirect?.container === container && Date.now() < r.noDirect.until) throw new NoDirectPath(r.noDirect.reason, true);
      // The pod moved to another node: its old rule goes.
      if (r.installed && r.installed.node.container !== container) await this.uninstall(r);
      r.installed = await installRule(node, r.spec.id, this.owner, pod.status!.podIP!, port);
      // Stopped while the rule went in: stopRunning may already have removed rules, so this one goes here.
      if (signal.aborted) {
        await this.uninstall(r);
        return { again: false };
      }
      await checkReach(r.installed);
      r.path = 'direct';
      r.pathReason = undefined;
      return { address: r.installed.address, again: false };
    } catch (e) {
      const reason = e instanceof NoDirectPath ? e.message : `direct path failed: ${describe(e)}`;
      if (e instanceof NoDirectPath && e.lasting && container && r.noDirect?.container !== container) r.noDirect = { container, until: Date.now() + NO_DIRECT_MS, reason };
      await this.uninstall(r);
      r.path = 'api';
      r.pathReason = reason;
      return { again: mayPass(e) };
    }
  }

  /**
   * Tries the direct path again in the background, 1 s, 2 s, 4 s … 30 s
   * apart, for a pod served through the API after a failure that may pass
   * (direct-retry.ts). Once it works, new connections go direct; those on
   * the API path run on until they end. Ends when the forward stops or moves
   * to another pod (setCurrent), or at a failure that does not pass.
   */
  private tryDirectLater(r: Running, pod: PodLike, port: number, uid: string): void {
    const ac = new AbortController();
    const signal = AbortSignal.any([r.life.signal, ac.signal]);
    const entry: NonNullable<Running['directRetry']> = { uid, active: true, stop: () => ac.abort(), done: Promise.resolve() };
    const attempt = async () => {
      const { address, again } = await this.directPath(r, pod, port, signal);
      if (signal.aborted) return 'give up';
      this.changed(); // pathReason changed either way
      if (!address) return again ? 'again' : 'give up';
      if (r.current?.uid === uid) this.setCurrent(r, { ...r.current, direct: address });
      return 'done';
    };
    entry.done = retryWithBackoff(attempt, signal)
      .catch(() => false)
      .then(() => {
        entry.active = false;
        this.changed();
      });
    r.directRetry = entry;
  }

  /** Stops the background tries of the direct path and waits until the one under way (if any) is over. */
  private async endDirectRetry(r: Running): Promise<void> {
    const d = r.directRetry;
    if (!d) return;
    r.directRetry = undefined;
    d.stop();
    await d.done;
  }

  /** Removes the forward's NAT rule, and stale ones next to it; best effort (the node may be gone): a stale rule is swept by the next forward on that node. */
  private async uninstall(r: Running): Promise<void> {
    const inst = r.installed;
    r.installed = undefined;
    if (!inst) return;
    // Once the forward stopped, its own rules count as stale too (ownerRuns).
    const job = removeRules(inst.node, (x) => x.spec === inst.spec || (!!x.owner && !!x.forwardId && !isLive(x.owner, x.forwardId)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([job, new Promise((res) => (timer = setTimeout(res, 5000)))]).catch(() => undefined);
    clearTimeout(timer);
  }

  private async accept(r: Running, sock: net.Socket): Promise<void> {
    sock.on('error', () => undefined);
    sock.setNoDelay(true);
    const cur = r.current ?? (await this.waitForCurrent(r, this.opts.connectWaitMs ?? 20_000));
    if (!cur || r.life.signal.aborted) {
      sock.destroy();
      return;
    }
    let conn: Conn;
    const session = !cur.direct && useSpdy() ? await this.spdySession(r, cur) : undefined;
    if (cur.direct) {
      conn = { uid: cur.uid };
      conn.tun = directTunnel(sock, cur.direct, r.counters, (why) => this.retryDirect(r, conn, why));
    } else if (session) {
      conn = { uid: cur.uid, session };
      conn.tun = spdyTunnel(sock, { session, port: cur.port }, r.counters, (why) => this.retrySpdy(r, conn, why));
    } else {
      const taken = r.spares.take(spareKey(cur));
      const ws = taken?.ws ?? openPortForward(cur.t, cur.auth, r.spec.namespace, cur.pod, cur.port);
      conn = { uid: cur.uid, spareAt: taken ? Date.now() : undefined };
      conn.tun = tunnel(sock, ws, r.counters, (why) => this.retryElsewhere(r, conn, why), taken?.early);
    }
    r.open.add(conn);
    r.total++;
    this.changed();
    const res = await conn.tun.done;
    r.open.delete(conn);
    // The last connection on a session the forward left for the direct path closes it.
    const left = conn.session;
    if (left && left !== r.spdy?.session && ![...r.open].some((c) => c.session === left)) left.close('the forward uses the direct path now');
    if (res.error) {
      r.lastError = res.error;
      // The stream never opened: the pod may be gone or the credentials stale; look again now.
      if (!res.opened && r.current === cur) r.watchAbort?.abort();
    }
    this.changed();
  }
}
