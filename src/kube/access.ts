/**
 * Limited RBAC (issue 13): what a context's user may do, asked of the API
 * server itself (SelfSubjectAccessReview, what `kubectl auth can-i` sends),
 * and the guard the core puts in front of the workload and node actions:
 * an action the server says no to is refused before anything is sent,
 * with the verb, resource, namespace and the server's reason, never as a
 * bare 403 halfway through. Faces ask the same question to disable buttons.
 *
 * A list of every namespace that the user may not make falls back to the
 * context's own namespace, and the answer says so (`narrowedTo`).
 */
import { api, type AccessCheck, type AccessResult, type ApiHandlers, type OpContext, type OpParsedInput, type ResourceKind } from '../shared/api.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { readKubeconfig } from './contexts.js';
import { descriptorOf } from './resources/descriptors.js';
import { ApiError, connect, rawRequest, type Conn } from './resources/http.js';

const SSAR_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

/** "delete pods in namespace shop", "patch nodes" (cluster-wide): how a check reads in a message. */
export function describeCheck(c: AccessCheck): string {
  const res = `${c.resource}${c.subresource ? `/${c.subresource}` : ''}${c.group ? `.${c.group}` : ''}`;
  const where = c.namespace ? ` in namespace "${c.namespace}"` : c.resource === 'nodes' || c.resource === 'namespaces' || c.resource === 'persistentvolumes' || c.resource === 'storageclasses' ? '' : ' in every namespace';
  return `${c.verb} ${res}${c.name ? ` "${c.name}"` : ''}${where}`;
}

interface ReviewStatus {
  allowed?: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

/** One review. Never throws: a review that cannot be made is `allowed` with the reason (the action itself will then say what the server says). */
export async function reviewOne(conn: Conn, check: AccessCheck, signal?: AbortSignal): Promise<AccessResult> {
  const resourceAttributes: Record<string, string> = { verb: check.verb, resource: check.resource, group: check.group ?? '' };
  if (check.subresource) resourceAttributes.subresource = check.subresource;
  if (check.namespace) resourceAttributes.namespace = check.namespace;
  if (check.name) resourceAttributes.name = check.name;
  const body = JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes } });
  try {
    const r = await rawRequest(conn, 'POST', SSAR_PATH, { body, timeoutMs: 10_000, signal });
    if (r.status < 200 || r.status >= 300) return { ...check, allowed: true, reason: `not checked: the access review itself was refused (HTTP ${r.status})` };
    const status = ((JSON.parse(r.body) as { status?: ReviewStatus }).status ?? {}) as ReviewStatus;
    if (status.allowed) return { ...check, allowed: true };
    const why = status.reason || status.evaluationError || 'no RBAC rule allows it';
    return { ...check, allowed: false, reason: `the user of context "${conn.context}" may not ${describeCheck(check)}: ${why}` };
  } catch (e) {
    return { ...check, allowed: true, reason: `not checked: ${(e as Error).message}` };
  }
}

export async function reviewAccess(context: string, checks: AccessCheck[], signal?: AbortSignal): Promise<AccessResult[]> {
  const conn = await connect(context);
  return Promise.all(checks.map((c) => reviewOne(conn, c, signal)));
}

const kindRes = (kind: ResourceKind) => {
  const d = descriptorOf(kind);
  return { resource: d.plural, ...(d.group ? { group: d.group } : {}) };
};

interface NsName {
  namespace: string;
  name: string;
}
interface WorkloadIn extends NsName {
  kind: ResourceKind;
}
interface PodIn {
  namespace: string;
  pod: string;
}
interface NodeIn {
  node: string;
}

/**
 * The checks each action needs, as kubectl's own requests would be
 * authorised. Keyed by op name (structural inputs), so an op that is not in
 * the core yet is simply not wrapped.
 */
export const actionChecks = {
  scaleWorkload: (i: WorkloadIn): AccessCheck[] => [{ verb: 'patch', ...kindRes(i.kind), subresource: 'scale', namespace: i.namespace, name: i.name }],
  rolloutRestart: (i: WorkloadIn): AccessCheck[] => [{ verb: 'patch', ...kindRes(i.kind), namespace: i.namespace, name: i.name }],
  rolloutUndo: (i: WorkloadIn): AccessCheck[] => [{ verb: 'patch', ...kindRes(i.kind), namespace: i.namespace, name: i.name }],
  deletePod: (i: NsName): AccessCheck[] => [{ verb: 'delete', resource: 'pods', namespace: i.namespace, name: i.name }],
  cordonNode: (i: NodeIn): AccessCheck[] => [{ verb: 'patch', resource: 'nodes', name: i.node }],
  setNodeMeta: (i: NodeIn): AccessCheck[] => [{ verb: 'patch', resource: 'nodes', name: i.node }],
  drainNode: (i: NodeIn): AccessCheck[] => [
    { verb: 'patch', resource: 'nodes', name: i.node },
    { verb: 'create', resource: 'pods', subresource: 'eviction' },
  ],
  execOpen: (i: PodIn): AccessCheck[] => [{ verb: 'create', resource: 'pods', subresource: 'exec', namespace: i.namespace, name: i.pod }],
  podLogs: (i: PodIn): AccessCheck[] => [{ verb: 'get', resource: 'pods', subresource: 'log', namespace: i.namespace, name: i.pod }],
  followPodLogs: (i: PodIn): AccessCheck[] => [{ verb: 'get', resource: 'pods', subresource: 'log', namespace: i.namespace, name: i.pod }],
} as const;

export function forbidden(denied: AccessResult[]): PaddockError {
  const first = denied[0]!;
  return new PaddockError(ErrorCodes.FORBIDDEN, denied.map((d) => d.reason ?? describeCheck(d)).join('; '), {
    remedy: `ask a cluster admin for a Role that allows "${describeCheck(first)}" (check with: kubectl auth can-i ${first.verb} ${first.resource}${first.subresource ? `/${first.subresource}` : ''}${first.namespace ? ` -n ${first.namespace}` : ''})`,
  });
}

/** Throws FORBIDDEN when the server says the user may not do all of `checks`. */
export async function assertAllowed(context: string, checks: AccessCheck[], signal?: AbortSignal): Promise<void> {
  const denied = (await reviewAccess(context, checks, signal)).filter((r) => !r.allowed);
  if (denied.length > 0) throw forbidden(denied);
}

/** The context's own namespace (kubectl's default for it), "default" when it names none. */
export async function contextNamespace(context: string): Promise<string> {
  const m = await readKubeconfig();
  const ns = m.contexts.get(context)?.value.namespace;
  return typeof ns === 'string' && ns !== '' ? ns : 'default';
}

const isForbidden = (e: unknown) => e instanceof ApiError && e.status === 403;

type Handler = (input: never, ctx: OpContext) => Promise<unknown>;

/**
 * The workload handlers with the RBAC guard in front: actions are reviewed
 * first; a list of every namespace that is forbidden is made again in the
 * context's namespace and marked `narrowedTo` (a 403 there too is thrown as
 * FORBIDDEN with both reasons).
 */
export function guardWorkloadHandlers<H extends Pick<ApiHandlers, 'listResources' | 'watchResources'>>(h: H): H {
  const out: Record<string, unknown> = { ...h };
  const handlers = h as unknown as Record<string, Handler | undefined>;
  for (const [op, checks] of Object.entries(actionChecks) as [string, (input: never) => AccessCheck[]][]) {
    const inner = handlers[op];
    if (typeof inner !== 'function') continue;
    out[op] = async (input: never, ctx: OpContext) => {
      await assertAllowed((input as { context: string }).context, checks(input), ctx.signal);
      try {
        return await inner(input, ctx);
      } catch (e) {
        // The review said yes but the server refused (a webhook, a policy): still FORBIDDEN, with the server's words.
        if (isForbidden(e)) throw new PaddockError(ErrorCodes.FORBIDDEN, (e as Error).message, { remedy: (e as PaddockError).remedy, cause: e });
        throw e;
      }
    };
  }
  // Every other op that reaches the API (YAML, apply, history, health …): a 403 is FORBIDDEN with the server's words, not an internal error.
  for (const [op, inner] of Object.entries(handlers)) {
    if (typeof inner !== 'function' || !(op in api) || op in actionChecks || op === 'listResources' || op === 'watchResources') continue;
    out[op] = async (input: never, ctx: OpContext) => {
      try {
        return await inner(input, ctx);
      } catch (e) {
        if (isForbidden(e)) throw new PaddockError(ErrorCodes.FORBIDDEN, (e as Error).message, { remedy: (e as PaddockError).remedy, cause: e });
        throw e;
      }
    };
  }
  for (const op of ['listResources', 'watchResources'] as const) {
    const inner = h[op] as ApiHandlers['listResources'];
    out[op] = async (input: OpParsedInput<'listResources'>, ctx: OpContext) => {
      try {
        return await inner(input, ctx);
      } catch (e) {
        if (!isForbidden(e)) throw e;
        const { resource, group } = kindRes(input.kind);
        const check: AccessCheck = { verb: 'list', resource, ...(group ? { group } : {}), ...(input.namespace ? { namespace: input.namespace } : {}) };
        if (input.namespace || !descriptorOf(input.kind).namespaced) {
          throw new PaddockError(ErrorCodes.FORBIDDEN, `the user of context "${input.context}" may not ${describeCheck(check)}: ${(e as Error).message}`, { remedy: (e as PaddockError).remedy, cause: e });
        }
        const namespace = await contextNamespace(input.context);
        const reason = `the user of context "${input.context}" may not ${describeCheck(check)}; showing namespace "${namespace}" (the context's) only`;
        try {
          const narrowed = await inner({ ...input, namespace }, ctx);
          return { ...narrowed, narrowedTo: { namespace, reason } };
        } catch (e2) {
          if (!isForbidden(e2)) throw e2;
          throw new PaddockError(ErrorCodes.FORBIDDEN, `the user of context "${input.context}" may not list ${resource} in every namespace, nor in its own namespace "${namespace}": ${(e2 as Error).message}`, {
            remedy: 'ask a cluster admin for a Role that allows listing them, or set the context to a namespace you may read (paddock context namespace NS --context …)',
          });
        }
      }
    };
  }
  return out as H;
}

export const accessHandlers: Pick<ApiHandlers, 'accessReview'> = {
  async accessReview({ context, checks }, ctx) {
    return { results: await reviewAccess(context, checks, ctx.signal) };
  },
};
