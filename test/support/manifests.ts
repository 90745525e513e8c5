/** Test workloads shared by the cluster and UI tiers (offline busybox image, never pulled). */

/** A pod that logs one numbered line a second: for log-follow checks. */
export const tickerPod = (image: string) => `apiVersion: v1
kind: Pod
metadata: {name: ticker, namespace: default}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: tick
    image: ${image}
    imagePullPolicy: Never
    command: ["sh", "-c", "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 1; done"]
`;

/**
 * A Deployment of busybox httpd on port 8080 (named "http") serving the pod's
 * hostname at / — so a request says which pod answered — plus any files
 * `extraSetup` writes into /www.
 */
export function webDeployment(image: string, opts: { name?: string; replicas?: number; extraSetup?: string } = {}) {
  const name = opts.name ?? 'web';
  const labels = { app: name };
  const setup = ['mkdir -p /www', 'hostname > /www/index.html', ...(opts.extraSetup ? [opts.extraSetup] : []), 'exec httpd -f -p 8080 -h /www'].join(' && ');
  return {
    metadata: { name },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name,
              image,
              imagePullPolicy: 'Never',
              command: ['sh', '-c', setup],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}
