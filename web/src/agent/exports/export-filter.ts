// The Contacts list's filter turned into the export API's filter, and into words. Pure.
import type { ExportFilter } from '../../lib/api.ts';

/** The directory's filter as the Contacts page holds it (`verified` may be a boolean there). */
export interface ViewFilter {
  q?: string;
  status?: string;
  verified?: boolean | string;
  companyId?: string;
}

/** The filter in the API's words; `status: 'all'` and no other key means the whole directory. */
export function toExportFilter(view: ViewFilter): ExportFilter {
  const f: ExportFilter = {};
  const q = view.q?.trim();
  if (q) f.q = q;
  f.status = view.status === 'active' || view.status === 'inactive' ? view.status : 'all';
  const v = view.verified;
  if (v === true || v === 'true' || v === 'verified') f.verified = 'true';
  else if (v === false || v === 'false' || v === 'unverified') f.verified = 'false';
  if (view.companyId) f.companyId = view.companyId;
  return f;
}

export const isWholeDirectory = (f: ExportFilter) => f.status === 'all' && !f.q && !f.verified && !f.companyId;

/** "Active only · matching “ann” · verified" */
export function describeView(f: ExportFilter): string {
  const parts: string[] = [];
  if (f.status === 'active') parts.push('Active only');
  if (f.status === 'inactive') parts.push('Inactive only');
  if (f.q) parts.push(`matching “${f.q}”`);
  if (f.verified) parts.push(f.verified === 'true' ? 'verified' : 'not verified');
  if (f.companyId) parts.push('one company');
  const s = parts.join(' · ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
