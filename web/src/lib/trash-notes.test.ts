import { describe, expect, it } from 'vitest';
import { skippedCountOf, trashNotes } from './jobs.ts';

const skip = (name: string | null, i = 0) => ({
  id: `id-${i}`,
  name,
  reason: `Its primary email p${i}@x.test now belongs to “Holder”`,
  conflictContactId: 'h',
});

describe('trashNotes', () => {
  it('names the rows a restore left behind with their reason, a few of them, and counts the rest', () => {
    const notes = trashNotes({
      affected: 1,
      restored: 1,
      purged: 0,
      notFound: 0,
      skipped: [skip('Emma Lindqvist', 0), skip(null, 1), skip('C', 2), skip('D', 3)],
      skippedCount: 140,
    });
    expect(notes).toEqual({
      skipped: [
        'Emma Lindqvist: its primary email p0@x.test now belongs to “Holder”.',
        'A contact without a name: its primary email p1@x.test now belongs to “Holder”.',
        'C: its primary email p2@x.test now belongs to “Holder”.',
      ],
      moreSkipped: 137,
      notFound: null,
    });
  });

  it('says how many chosen rows were no longer in the Trash', () => {
    const r = { affected: 2, restored: 0, purged: 2, notFound: 1, skipped: [], skippedCount: 0 };
    expect(trashNotes(r)).toEqual({ skipped: [], moreSkipped: 0, notFound: '1 contact was no longer in the Trash.' });
    expect(trashNotes({ ...r, notFound: 3 })?.notFound).toBe('3 contacts were no longer in the Trash.');
  });

  it('has nothing to say about other results', () => {
    expect(trashNotes({ affected: 3 })).toBeNull();
    expect(trashNotes(null)).toBeNull();
    expect(skippedCountOf({ skippedCount: 4 })).toBe(4);
    expect(skippedCountOf(null)).toBe(0);
  });
});
