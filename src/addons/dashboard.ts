/**
 * `paddock dashboard`: Headlamp (the dashboard addon) through a local
 * forward to its Service, with a short-lived token of the addon's admin
 * ServiceAccount from the TokenRequest API (nothing long-lived is stored).
 * The forward is a saved one (not auto-started), so the GUI and tray can
 * reopen it; the process that opened it holds it.
 */
import { k8sLib } from '../kube/k8s-lib.js';
import type { ApiHandlers } from '../shared/api.js';
import { ErrorCodes, PaddockError } from '../shared/errors.js';
import { loadTarget } from '../kube/forwards/kube-io.js';
import type { ForwardManager } from '../kube/forwards/manager.js';
import { apiMessage, isNotFound } from './kube.js';
import { ADDON_LABEL } from './render.js';

export const DASHBOARD = { addon: 'dashboard', namespace: 'headlamp', deployment: 'headlamp', service: 'svc/headlamp', port: 80, account: 'headlamp-admin' } as const;
const TOKEN_SECONDS = 3600;

/** What to tell a user whose context has no dashboard. */
function enableHint(context: string): string {
  const cluster = /^paddock-(.+)$/.exec(context)?.[1];
  return cluster ? `enable it with \`paddock addons enable dashboard --cluster ${cluster}\`` : `the dashboard is Paddock's "dashboard" addon: enable it on a Paddock cluster with \`paddock addons enable dashboard --cluster NAME\``;
}

export function dashboardHandlers(manager: ForwardManager): Pick<ApiHandlers, 'openDashboard'> {
  return {
    openDashboard: async ({ context, kubeconfig }) => {
      const t = await loadTarget({ context, kubeconfig });
      const { AppsV1Api, CoreV1Api } = await k8sLib();
      const apps = t.kc.makeApiClient(AppsV1Api);
      const core = t.kc.makeApiClient(CoreV1Api);
      const d = await apps.readNamespacedDeployment({ name: DASHBOARD.deployment, namespace: DASHBOARD.namespace }).catch((e: unknown) => {
        if (isNotFound(e)) return undefined;
        throw new PaddockError(ErrorCodes.CLUSTER_NOT_FOUND, `the API of context ${context} does not answer: ${apiMessage(e)}`, { remedy: 'start the cluster (`paddock start NAME`) and try again', cause: e });
      });
      if (!d || d.metadata?.labels?.[ADDON_LABEL] !== DASHBOARD.addon) {
        throw new PaddockError(ErrorCodes.ADDON_NOT_ENABLED, `the dashboard addon is not enabled on context ${context}`, { remedy: enableHint(context) });
      }
      if ((d.status?.readyReplicas ?? 0) < 1) {
        const cluster = /^paddock-(.+)$/.exec(context)?.[1] ?? 'NAME';
        throw new PaddockError(ErrorCodes.ADDON_NOT_ENABLED, `the dashboard (deployment ${DASHBOARD.namespace}/${DASHBOARD.deployment}) has no ready pod`, {
          remedy: `see \`paddock addons status dashboard --cluster ${cluster}\``,
        });
      }
      const tr = await core.createNamespacedServiceAccountToken({
        name: DASHBOARD.account,
        namespace: DASHBOARD.namespace,
        body: { spec: { audiences: [], expirationSeconds: TOKEN_SECONDS } },
      });
      const token = tr.status?.token;
      if (!token) throw new PaddockError(ErrorCodes.INTERNAL, `the API gave no token for ${DASHBOARD.namespace}/${DASHBOARD.account}`);
      const saved = (await manager.list()).find((f) => f.context === context && f.namespace === DASHBOARD.namespace && f.target === DASHBOARD.service && String(f.remotePort) === String(DASHBOARD.port));
      const fwd = saved ?? (await manager.add({ context, kubeconfig: kubeconfig ?? t.context.file, namespace: DASHBOARD.namespace, target: DASHBOARD.service, localPort: 0, remotePort: DASHBOARD.port, autoStart: false }));
      const running = await manager.start(fwd.id);
      return {
        url: `http://127.0.0.1:${running.localPort}/`,
        token,
        expiresAt: tr.status?.expirationTimestamp ? new Date(tr.status.expirationTimestamp).toISOString() : new Date(Date.now() + TOKEN_SECONDS * 1000).toISOString(),
        forwardId: fwd.id,
      };
    },
  };
}
