/** The replay buffer and the pod mover the three tunnels share (their wiring is tested in direct-tunnel.test.ts, manager.test.ts and the forwards cluster test). */
import { describe, expect, it } from 'vitest';
import { ClientReplay, PodMover, REPLAY_LIMIT, type MoveSteps } from './client-replay.js';

const b = (s: string) => Buffer.from(s);

function replayed(r: ClientReplay): string {
  const out: string[] = [];
  r.replayTo((c) => out.push(c.toString()));
  return out.join('|');
}

describe('ClientReplay', () => {
  it('keeps what the client sent, in order, until the pod answers', () => {
    const r = new ClientReplay();
    r.record(b('GET / '));
    r.record(b('HTTP/1.1'));
    expect(r.kept).toBe(true);
    expect(r.answered).toBe(false);
    expect(replayed(r)).toBe('GET / |HTTP/1.1');
    r.answer();
    expect(r.answered).toBe(true);
    expect(r.kept).toBe(false);
    r.record(b('more'));
    expect(replayed(r)).toBe('');
  });

  it('gives up past its limit (the connection stays with its pod) without counting as an answer', () => {
    const r = new ClientReplay(10);
    r.record(b('12345'));
    r.record(b('67890'));
    expect(replayed(r)).toBe('12345|67890');
    r.record(b('x'));
    expect(r.kept).toBe(false);
    expect(r.answered).toBe(false);
    expect(replayed(r)).toBe('');
  });

  it('a held chunk (not sent anywhere yet) is kept past the limit; the next unheld one past it gives up', () => {
    const r = new ClientReplay(4);
    r.record(b('abcdef'), true);
    expect(replayed(r)).toBe('abcdef');
    r.record(b('g'));
    expect(r.kept).toBe(false);
  });

  it('defaults to 256 KiB', () => {
    const r = new ClientReplay();
    r.record(Buffer.alloc(REPLAY_LIMIT));
    expect(r.kept).toBe(true);
    r.record(Buffer.alloc(1));
    expect(r.kept).toBe(false);
    expect(REPLAY_LIMIT).toBe(256 * 1024);
  });
});

/** Records what the mover asks of a tunnel. */
function harness(opts: { next?: (why: string) => Promise<string | undefined>; max?: number; replay?: ClientReplay } = {}) {
  const log: string[] = [];
  const state = { ended: false };
  const replay = opts.replay ?? new ClientReplay();
  const steps: MoveSteps<string> = {
    ended: () => state.ended,
    leave: () => log.push('leave'),
    arrive: (t) => log.push(`arrive ${t}`),
    giveUp: (e) => {
      log.push(`giveUp ${e}`);
      state.ended = true;
    },
    discard: (t) => log.push(`discard ${t}`),
  };
  const asked: string[] = [];
  const next = opts.next && ((why: string) => (asked.push(why), opts.next!(why)));
  const mover = new PodMover(replay, next, steps, opts.max);
  return { log, state, replay, mover, asked };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('PodMover', () => {
  it('moves an unanswered connection: leaves the old pod, asks with the reason, arrives at the next and counts it', async () => {
    const h = harness({ next: async () => 'pod-b' });
    h.mover.fail('connection refused');
    expect(h.mover.moving).toBe(true);
    expect(h.log).toEqual(['leave']);
    await settle();
    expect(h.asked).toEqual(['connection refused']);
    expect(h.log).toEqual(['leave', 'arrive pod-b']);
    expect(h.mover.moving).toBe(false);
    expect(h.mover.retries).toBe(1);
  });

  it('one move at a time: a failure while asking is ignored', async () => {
    let answer!: (t: string) => void;
    const h = harness({ next: () => new Promise((r) => (answer = r)) });
    h.mover.fail('first');
    h.mover.fail('second');
    answer('pod-b');
    await settle();
    expect(h.asked).toEqual(['first']);
    expect(h.log).toEqual(['leave', 'arrive pod-b']);
  });

  it('gives up with the error when the pod answered, the replay was given up, or there is no one to ask', () => {
    const answered = harness({ next: async () => 'pod-b' });
    answered.replay.answer();
    answered.mover.fail('reset');
    expect(answered.log).toEqual(['giveUp reset']);

    const tooMuch = harness({ next: async () => 'pod-b', replay: new ClientReplay(1) });
    tooMuch.replay.record(b('xy'));
    tooMuch.mover.fail('reset');
    expect(tooMuch.log).toEqual(['giveUp reset']);

    const alone = harness();
    alone.mover.fail('reset');
    expect(alone.log).toEqual(['giveUp reset']);
    expect(answered.asked.length + tooMuch.asked.length).toBe(0);
  });

  it('at most maxMoves moves; the next failure gives up', async () => {
    const h = harness({ next: async (why) => `pod-after-${why}`, max: 2 });
    h.mover.fail('a');
    await settle();
    h.mover.fail('b');
    await settle();
    h.mover.fail('c');
    expect(h.log).toEqual(['leave', 'arrive pod-after-a', 'leave', 'arrive pod-after-b', 'giveUp c']);
    expect(h.mover.retries).toBe(2);
  });

  it('no next pod, or asking failed: gives up with the error (none for a stream that just ended, asked about in words)', async () => {
    const none = harness({ next: async () => undefined });
    none.mover.fail(undefined);
    await settle();
    expect(none.asked).toEqual(['the pod closed the stream']);
    expect(none.log).toEqual(['leave', 'giveUp undefined']);
    expect(none.mover.retries).toBe(0);

    const broken = harness({ next: () => Promise.reject(new Error('lookup failed')) });
    broken.mover.fail('refused');
    await settle();
    expect(broken.log).toEqual(['leave', 'giveUp refused']);
    expect(broken.mover.moving).toBe(false);
  });

  it('a connection that ended while asking discards the late target and does nothing else', async () => {
    let answer!: (t: string) => void;
    const h = harness({ next: () => new Promise((r) => (answer = r)) });
    h.mover.fail('refused');
    h.state.ended = true;
    answer('pod-b');
    await settle();
    expect(h.log).toEqual(['leave', 'discard pod-b']);
    h.mover.fail('again');
    expect(h.log).toEqual(['leave', 'discard pod-b']);
  });

  it('end({ moveIfUnanswered }) moves an unanswered connection, saying its pod went away; otherwise it closes', async () => {
    const h = harness({ next: async () => 'pod-b' });
    const closed: string[] = [];
    h.mover.end({ moveIfUnanswered: true }, () => closed.push('unanswered'));
    await settle();
    expect(h.asked).toEqual(['its pod went away before answering']);
    expect(h.log).toEqual(['leave', 'arrive pod-b']);

    h.replay.answer();
    h.mover.end({ moveIfUnanswered: true }, () => closed.push('answered'));
    h.mover.end(undefined, () => closed.push('plain'));
    expect(closed).toEqual(['answered', 'plain']);
    expect(h.asked).toHaveLength(1);
  });
});
