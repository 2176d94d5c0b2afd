import { describe, expect, it } from 'vitest';
import { describeView, isWholeDirectory, toExportFilter } from './export-filter.ts';

describe('toExportFilter', () => {
  it('turns the page filter into the API filter, booleans and URL words included', () => {
    expect(toExportFilter({ q: '  ann ', status: 'active', verified: true })).toEqual({ q: 'ann', status: 'active', verified: 'true' });
    expect(toExportFilter({ status: 'inactive', verified: 'unverified' })).toEqual({ status: 'inactive', verified: 'false' });
    expect(toExportFilter({ verified: 'false', companyId: 'c1' })).toEqual({ status: 'all', verified: 'false', companyId: 'c1' });
  });

  it('reads no status, or an unknown one, as every contact', () => {
    expect(toExportFilter({})).toEqual({ status: 'all' });
    expect(toExportFilter({ status: 'nonsense', q: '' })).toEqual({ status: 'all' });
    expect(isWholeDirectory(toExportFilter({}))).toBe(true);
    expect(isWholeDirectory(toExportFilter({ status: 'active' }))).toBe(false);
    expect(isWholeDirectory(toExportFilter({ q: 'x' }))).toBe(false);
  });
});

describe('describeView', () => {
  it('says what the view holds', () => {
    expect(describeView({ status: 'active', q: 'ann', verified: 'true' })).toBe('Active only · matching “ann” · verified');
    expect(describeView({ status: 'all', q: 'ann' })).toBe('Matching “ann”');
    expect(describeView({ status: 'inactive', verified: 'false' })).toBe('Inactive only · not verified');
  });
});
