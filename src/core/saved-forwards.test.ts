import { describe, expect, it } from 'vitest';
import { createCore } from './index.js';
import { startSavedForwards } from './saved-forwards.js';

describe('startSavedForwards', () => {
  it('asks the core for the auto-start forwards only, and says how many started', async () => {
    const asked: unknown[] = [];
    const core = createCore({
      startAllForwards: async (input) => {
        asked.push(input);
        return { forwards: [{ id: 'a' }, { id: 'b' }] as never };
      },
    });
    const lines: string[] = [];
    expect(await startSavedForwards(core, (l) => lines.push(l))).toBe(2);
    expect(asked).toEqual([{ autoStartOnly: true }]);
    expect(lines).toEqual(['started 2 saved port-forwards']);
  });

  it('never fails the face that starts: the reason is logged', async () => {
    const core = createCore({
      startAllForwards: async () => {
        throw new Error('store unreadable');
      },
    });
    const lines: string[] = [];
    expect(await startSavedForwards(core, (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual(['saved port-forwards were not started: store unreadable']);
  });
});
