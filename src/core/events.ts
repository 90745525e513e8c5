/**
 * In-process bus for push events (clusters.changed, progress …). Faces
 * subscribe and forward to their transport; every subscription returns a
 * disposer.
 */
import type { PushEvent } from '../shared/api.js';

export type Disposer = () => void;
type Listener = (e: PushEvent) => void;

export class EventBus {
  private listeners = new Set<Listener>();

  emit(e: PushEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // A broken listener must not stop the others.
      }
    }
  }

  subscribe(l: Listener): Disposer {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
