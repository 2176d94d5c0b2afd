import { describe, expect, it } from 'vitest';
import { foldForMatch, matchRanges, splitMatches } from './match.ts';

describe('matchRanges', () => {
  it('marks an accented name for a query typed without accents', () => {
    expect(splitMatches('José Núñez', 'nunez')).toEqual([
      { text: 'José ', match: false },
      { text: 'Núñez', match: true },
    ]);
  });

  it('folds case and the German sharp s like the server', () => {
    expect(splitMatches('Hauptstraße 5', 'STRASSE')).toEqual([
      { text: 'Haupt', match: false },
      { text: 'straße', match: true },
      { text: ' 5', match: false },
    ]);
  });

  it('finds Korean and Japanese text as typed', () => {
    expect(matchRanges('박 지훈', '지훈')).toEqual([[2, 4]]);
    expect(matchRanges('한빛소프트', '한빛')).toEqual([[0, 2]]);
    expect(matchRanges('がっこう', 'が')).toEqual([[0, 1]]);
    // dakuten carries meaning: か does not mark が
    expect(matchRanges('がっこう', 'か')).toEqual([]);
  });

  it('marks every occurrence, and nothing for an empty or absent query', () => {
    expect(matchRanges('ana banana', 'ana')).toEqual([
      [0, 3],
      [5, 8],
    ]);
    expect(matchRanges('Acme', '')).toEqual([]);
    expect(matchRanges('Acme', 'zz')).toEqual([]);
    expect(splitMatches('Acme', 'zz')).toEqual([{ text: 'Acme', match: false }]);
  });

  it('keeps characters outside the BMP intact', () => {
    expect(splitMatches('😀 Zoë', 'zoe')).toEqual([
      { text: '😀 ', match: false },
      { text: 'Zoë', match: true },
    ]);
  });

  it('folds queries with runs of spaces to one', () => {
    expect(foldForMatch('  Ana   María ')).toBe('ana maria');
  });
});
