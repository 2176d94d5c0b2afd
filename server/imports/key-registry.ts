// The import's duplicate check remembers every key of the file (ids, primary emails) with the first row that
// had it, for the whole import: a million-row file holds a million or more keys. A Map of strings costs about
// 78 bytes a key on V8's heap (the string, the entry, the table) and a million live objects for every full
// GC to walk; this table keeps a 96-bit fingerprint (SHA-256's first 12 bytes) and the row in one Uint32Array,
// 16 bytes a slot, no object per key. Two different keys share a fingerprint with a probability of about
// n² / 2⁹⁷ (1 in 10¹⁷ for a million keys), far below any failure of the machine the import runs on.
import { hash } from 'node:crypto';

const WORDS = 4; // three fingerprint words, then the row + 1 (0: an empty slot)
const MAX_LOAD = 0.7;

export class KeyRegistry {
  private table = new Uint32Array(1024 * WORDS);
  private mask = 1023;
  size = 0;

  /** The row recorded for `key`, if any. */
  get(key: string): number | undefined {
    const fp = fingerprint(key);
    const at = this.find(fp);
    const row = this.table[at + 3]!;
    return row === 0 ? undefined : row - 1;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Records `row` for `key` (replacing the row recorded before, like Map.set). */
  set(key: string, row: number): this {
    const fp = fingerprint(key);
    let at = this.find(fp);
    if (this.table[at + 3] === 0) {
      if (this.size + 1 > (this.mask + 1) * MAX_LOAD) {
        this.grow();
        at = this.find(fp);
      }
      this.table[at] = fp[0]!;
      this.table[at + 1] = fp[1]!;
      this.table[at + 2] = fp[2]!;
      this.size++;
    }
    this.table[at + 3] = row + 1;
    return this;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.table.byteLength;
  }

  /** The slot (index of its first word) holding `fp`, or the empty slot where it would go (linear probing). */
  private find(fp: Uint32Array): number {
    const t = this.table;
    for (let slot = fp[0]! & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * WORDS;
      if (t[at + 3] === 0 || (t[at] === fp[0] && t[at + 1] === fp[1] && t[at + 2] === fp[2])) return at;
    }
  }

  private grow(): void {
    const old = this.table;
    this.mask = (this.mask + 1) * 2 - 1;
    this.table = new Uint32Array((this.mask + 1) * WORDS);
    const fp = new Uint32Array(3);
    for (let at = 0; at < old.length; at += WORDS) {
      if (old[at + 3] === 0) continue;
      fp[0] = old[at]!;
      fp[1] = old[at + 1]!;
      fp[2] = old[at + 2]!;
      const to = this.find(fp);
      this.table.set(old.subarray(at, at + WORDS), to);
    }
  }
}

const scratch = new Uint32Array(3);

/** The key's fingerprint, in a scratch array read before the next call. */
function fingerprint(key: string): Uint32Array {
  const d = hash('sha256', key, 'buffer');
  scratch[0] = d.readUInt32LE(0);
  scratch[1] = d.readUInt32LE(4);
  scratch[2] = d.readUInt32LE(8);
  return scratch;
}
