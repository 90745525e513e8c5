import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';

describe('event bus', () => {
  it('delivers to every subscriber until it is disposed, and survives a throwing listener', () => {
    const bus = new EventBus();
    const got: string[] = [];
    const off = bus.subscribe((e) => got.push(e.type));
    bus.subscribe(() => {
      throw new Error('broken listener');
    });
    bus.emit({ type: 'clusters.changed' });
    off();
    bus.emit({ type: 'contexts.changed' });
    expect(got).toEqual(['clusters.changed']);
  });
});
