import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let seq = 0;
// random bytes drawn 4 KiB at a time (one call to the CSPRNG for 256 ids, not one each)
const pool = Buffer.alloc(4096);
let used = pool.length;

/**
 * UUID version 7 (RFC 9562): time-ordered, so new rows land at the right edge of the primary key index. Ids made
 * by one process are strictly increasing (RFC 9562 method 1: a 12-bit counter in rand_a restarts at a random
 * value each millisecond), so rows created together in one call keep their order by id.
 */
export function uuidv7(now = Date.now()): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const b = Buffer.from(pool.subarray(used, used + 16));
  used += 16;
  if (now > lastMs) {
    lastMs = now;
    seq = b.readUInt16BE(6) & 0x7ff; // leave room to count up within the millisecond
  } else if (++seq > 0xfff) {
    // 4,096 ids in one millisecond (or a clock that went back): borrow the next millisecond
    lastMs += 1;
    seq = 0;
  }
  b.writeUIntBE(lastMs, 0, 6);
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);
