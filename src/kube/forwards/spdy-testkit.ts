/**
 * SPDY/3.1 frames as a test peer writes and reads them, written apart from
 * spdy.ts on purpose: a codec checked with its own encoder would share its
 * bugs. Used by the unit tests only.
 */
import type net from 'node:net';
import zlib from 'node:zlib';

export interface Frame {
  control: boolean;
  type: number;
  /** The stream: a data frame's, or the one a SYN_STREAM opens. */
  id: number;
  flags: number;
  body: Buffer;
}

/**
 * Splits what a client sends on `sock` into frames, in order. SYN_STREAM
 * header blocks are inflated (one zlib stream per session, each block ended
 * with a sync flush) and handed to onHeaders as they come out.
 */
export function readFrames(sock: net.Socket, onFrame: (f: Frame) => void, onHeaders?: (streamId: number, headers: Record<string, string>) => void): void {
  const inflate = zlib.createInflate();
  let buf = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 8) {
      const len = buf.readUInt32BE(4) & 0xffffff;
      if (buf.length < 8 + len) break;
      const control = (buf[0]! & 0x80) !== 0;
      const f: Frame = { control, type: control ? buf.readUInt16BE(2) : 0, id: control ? 0 : buf.readUInt32BE(0) & 0x7fffffff, flags: buf[4]!, body: buf.subarray(8, 8 + len) };
      buf = buf.subarray(8 + len);
      if (f.control && f.type === 1) {
        const id = (f.id = f.body.readUInt32BE(0) & 0x7fffffff);
        inflate.write(f.body.subarray(10));
        inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          const out = inflate.read() as Buffer | null;
          if (out) onHeaders?.(id, parseHeaders(out));
        });
      }
      onFrame(f);
    }
  });
}

/** A decompressed name/value header block (count, then length-prefixed names and values). */
export function parseHeaders(raw: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let o = 4;
  for (let i = 0; i < raw.readUInt32BE(0); i++) {
    const kl = raw.readUInt32BE(o);
    const k = raw.subarray(o + 4, o + 4 + kl).toString();
    o += 4 + kl;
    const vl = raw.readUInt32BE(o);
    out[k] = raw.subarray(o + 4, o + 4 + vl).toString();
    o += 4 + vl;
  }
  return out;
}

/** A data frame: stream id, flags (1 = FIN), body. */
export function dataFrame(id: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(id, 0);
  h.writeUInt32BE(body.length, 4);
  h[4] = flags;
  return Buffer.concat([h, body]);
}
