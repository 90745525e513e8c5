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
