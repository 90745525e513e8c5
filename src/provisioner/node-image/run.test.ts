import { describe, expect, it } from 'vitest';
import { Progress, type ProgressEvent } from '../../shared/progress.js';
import { run } from './run.js';

describe('run', () => {
  it('streams output lines to the progress log of its step', async () => {
    const events: ProgressEvent[] = [];
    const progress = new Progress('t', (e) => events.push(e));
    const r = await run('sh', ['-c', 'echo one; echo two >&2; echo three'], { doing: 'testing', progress, stepId: 's' });
    expect(r.stdout).toBe('one\nthree');
    const lines = events.flatMap((e) => (e.type === 'log' ? [`${e.stepId}:${e.line}`] : []));
    expect(lines.sort()).toEqual(['s:one', 's:three', 's:two']);
  });

  it('a failing command is IMAGE_BUILD_FAILED with the output tail', async () => {
    await expect(run('sh', ['-c', 'echo broken >&2; exit 3'], { doing: 'testing' })).rejects.toMatchObject({
      code: 'IMAGE_BUILD_FAILED',
      output: expect.stringContaining('broken'),
    });
  });

  it('a missing docker CLI is DOCKER_UNREACHABLE', async () => {
    await expect(run('docker', ['version'], { doing: 'testing', env: { PATH: '/nonexistent' } })).rejects.toMatchObject({
      code: 'DOCKER_UNREACHABLE',
    });
  });

  it('a missing Go toolchain says how to install it', async () => {
    await expect(run('go', ['version'], { doing: 'testing', env: { PATH: '/nonexistent' } })).rejects.toMatchObject({
      code: 'IMAGE_BUILD_FAILED',
      remedy: expect.stringMatching(/install Go/),
    });
  });

  it('cancellation is CANCELLED', async () => {
    const ac = new AbortController();
    const p = run('sleep', ['10'], { doing: 'waiting', signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
