/**
 * What lets a forwarded connection move to another pod when its pod goes
 * away before answering, shared by the three tunnels (tunnel.ts v4,
 * spdy-tunnel.ts, direct-tunnel.ts): ClientReplay keeps what the client sent
 * until the pod answers, to send it again to the next pod; PodMover asks for
 * the next pod and hands the connection over, one move at a time and at most
 * N times. How a stream is dropped or attached stays with each tunnel.
 */

/** What is kept of a connection's first bytes to send again to another pod. */
export const REPLAY_LIMIT = 256 * 1024;

export class ClientReplay {
  /** Undefined once the connection belongs to its pod (it answered, or the client sent too much to send again). */
  private chunks: Buffer[] | undefined = [];
  private bytes = 0;
  private podAnswered = false;

  constructor(private readonly limit = REPLAY_LIMIT) {}

  /** The pod has sent at least one byte. */
  get answered(): boolean {
    return this.podAnswered;
  }

  /** Everything the client sent is still here: the connection may move. */
  get kept(): boolean {
    return this.chunks !== undefined;
  }

  /**
   * Records a chunk from the client. Past the limit the replay is given up
   * and the connection stays with its pod, unless `hold`: the chunk has not
   * gone to any pod yet and the replay is what will send it (the client is
   * paused meanwhile, so this grows by a chunk at most).
   */
  record(chunk: Buffer, hold = false): void {
    if (!this.chunks) return;
    this.bytes += chunk.length;
    if (this.bytes > this.limit && !hold) this.chunks = undefined;
    else this.chunks.push(chunk);
  }

  /** The pod answered: from now on the connection is its own. */
  answer(): void {
    this.podAnswered = true;
    this.chunks = undefined;
  }

  /** Sends everything kept, in order (nothing once given up). */
  replayTo(send: (chunk: Buffer) => void): void {
    for (const c of this.chunks ?? []) send(c);
  }
}

/** What a tunnel does at each step of a move; T is its kind of target (a stream, a session, an address). */
export interface MoveSteps<T> {
  /** The connection is over: whatever comes back is not used. */
  ended(): boolean;
  /** Drops the stream to the pod that failed and holds the client while the next pod is sought. */
  leave(): void;
  /** Carries on with the next pod's target (the move is already counted). */
  arrive(next: T): void;
  /** No move (not allowed, no other pod, or asking failed): end the connection with this error. */
  giveUp(error: string | undefined): void;
  /** A target that came after the connection ended. */
  discard?(late: T): void;
}

export class PodMover<T> {
  private moves = 0;
  private asking = false;

  /**
   * `next` is asked for another pod's target when the current one failed
   * before answering (undefined: there is none; no `next`: never moves).
   */
  constructor(
    private readonly replay: ClientReplay,
    private readonly next: ((failed: string) => Promise<T | undefined>) | undefined,
    private readonly steps: MoveSteps<T>,
    private readonly maxMoves = Infinity,
  ) {}

  /** Times the connection moved to another pod. */
  get retries(): number {
    return this.moves;
  }

  /** A move is under way: the old stream is dropped and the next one not there yet. */
  get moving(): boolean {
    return this.asking;
  }

  /**
   * The current stream failed with `error` (undefined: it just ended):
   * moves the connection if its pod never answered, the replay is kept and
   * moves are left; else gives up with `error`. The next pod is asked with
   * `why`.
   */
  fail(error: string | undefined, why: string = error ?? 'the pod closed the stream'): void {
    const s = this.steps;
    if (s.ended() || this.asking) return;
    if (!this.next || !this.replay.kept || this.moves >= this.maxMoves) return s.giveUp(error);
    this.asking = true;
    s.leave();
    void this.next(why).then(
      (target) => {
        this.asking = false;
        if (s.ended()) {
          if (target) s.discard?.(target);
          return;
        }
        if (!target) return s.giveUp(error);
        this.moves++;
        s.arrive(target);
      },
      () => {
        this.asking = false;
        s.giveUp(error);
      },
    );
  }

  /** Tunnel.end: a connection its pod has not answered moves on when asked to; any other just closes. */
  end(opts: { moveIfUnanswered?: boolean } | undefined, close: () => void): void {
    if (opts?.moveIfUnanswered && !this.replay.answered) this.fail('its pod went away before answering');
    else close();
  }
}
