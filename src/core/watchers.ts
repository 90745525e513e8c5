/**
 * Turns changes in the real systems into push events, so every face updates
 * live without polling: Docker events of Paddock-labelled containers →
 * clusters.changed; kubeconfig file changes → contexts.changed.
 */
import { Labels } from '../shared/labels.js';
import { watchKubeconfig } from '../kube/kubeconfig/watch.js';
import type { DockerRuntime } from '../provisioner/runtime/docker.js';
import type { Disposer, EventBus } from './events.js';

function debounce(fn: () => void, ms: number): { call: () => void; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    call: () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(fn, ms);
      timer.unref();
    },
    cancel: () => timer && clearTimeout(timer),
  };
}

export function watchDockerClusters(runtime: DockerRuntime, onChange: () => void): Disposer {
  let stopped = false;
  let stream: NodeJS.ReadableStream & { destroy?: () => void } | undefined;
  let retry: NodeJS.Timeout | undefined;
  const changed = debounce(onChange, 150);
  const connect = async () => {
    if (stopped) return;
    try {
      stream = (await runtime.docker.getEvents({ filters: { type: ['container'], label: [Labels.cluster] } })) as typeof stream;
      stream!.on('data', () => changed.call());
      const reconnect = () => {
        if (stopped) return;
        // Docker restarted or the connection dropped: state may have changed meanwhile.
        changed.call();
        retry = setTimeout(connect, 2000);
        retry.unref();
      };
      stream!.on('end', reconnect);
      stream!.on('error', reconnect);
    } catch {
      retry = setTimeout(connect, 5000);
      retry.unref();
    }
  };
  void connect();
  return () => {
    stopped = true;
    changed.cancel();
    if (retry) clearTimeout(retry);
    stream?.destroy?.();
  };
}

export function startWatchers(runtime: DockerRuntime, bus: EventBus): Disposer {
  const disposers = [
    watchDockerClusters(runtime, () => bus.emit({ type: 'clusters.changed' })),
    watchKubeconfig(() => bus.emit({ type: 'contexts.changed' })),
  ];
  return () => disposers.forEach((d) => d());
}
