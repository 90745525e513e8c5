/**
 * SPDY/3.1 frames as a test peer writes and reads them, written apart from
 * spdy.ts on purpose: a codec checked with its own encoder would share its
 * bugs. Used by the unit tests only.
 */

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
