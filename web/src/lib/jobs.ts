// Background jobs started from the app (bulk actions answered with 202 {jobId}). The list survives a
// reload (sessionStorage), so progress keeps showing after the person navigates or refreshes; the
// watcher in the app layout polls GET /api/v1/jobs/:id until each one ends.
import { useSyncExternalStore } from 'react';
import type { BulkAction, TrashBulkAction, TrashBulkSummary } from './api.ts';
import { formatCount, plural } from './format.ts';

/** What a tracked job does: a directory bulk action, or a Trash one (restore, purge). */
export type JobAction = BulkAction | TrashBulkAction;

export interface TrackedJob {
  jobId: string;
  action: JobAction;
  /** how many contacts the person chose (the job's own total wins once it is known) */
  expected: number | null;
  startedAt: number;
}

const STORAGE_KEY = 'kdesk.jobs';

function load(): TrackedJob[] {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    const list: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(list) ? list.filter((j): j is TrackedJob => typeof j?.jobId === 'string' && typeof j?.action === 'string') : [];
  } catch {
    return [];
  }
}

let jobs: TrackedJob[] = typeof window === 'undefined' ? [] : load();
const listeners = new Set<() => void>();

function save(next: TrackedJob[]) {
  jobs = next;
  try {
    window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  } catch {
    /* private mode: progress still shows until a reload */
  }
  for (const l of listeners) l();
}

export const jobStore = {
  add: (job: Omit<TrackedJob, 'startedAt'>) => save([...jobs.filter((j) => j.jobId !== job.jobId), { ...job, startedAt: Date.now() }]),
  remove: (jobId: string) => save(jobs.filter((j) => j.jobId !== jobId)),
  subscribe: (l: () => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  snapshot: () => jobs,
};

export function useTrackedJobs(): TrackedJob[] {
  return useSyncExternalStore(jobStore.subscribe, jobStore.snapshot);
}

/** What people read about a bulk action, while it runs and when it is done. */
export const bulkWording: Record<JobAction, { running: (n: string) => string; done: (n: number) => string; failed: string }> = {
  delete: {
    running: (n) => `Moving ${n} to the Trash`,
    done: (n) => `Moved ${plural(n, 'contact')} to the Trash`,
    failed: 'Could not move every contact to the Trash',
  },
  activate: {
    running: (n) => `Activating ${n}`,
    done: (n) => `Activated ${plural(n, 'contact')}`,
    failed: 'Could not activate every contact',
  },
  deactivate: {
    running: (n) => `Deactivating ${n}`,
    done: (n) => `Deactivated ${plural(n, 'contact')}`,
    failed: 'Could not deactivate every contact',
  },
  invite: {
    running: (n) => `Sending portal invitations to ${n}`,
    done: (n) => `Sent ${plural(n, 'portal invitation')}`,
    failed: 'Could not send every invitation',
  },
  export: {
    running: (n) => `Exporting ${n}`,
    done: (n) => `Exported ${plural(n, 'contact')}`,
    failed: 'The export failed',
  },
  restore: {
    running: (n) => `Restoring ${n}`,
    done: (n) => (n === 0 ? 'No contact was restored' : `Restored ${plural(n, 'contact')}`),
    failed: 'Could not restore every contact',
  },
  purge: {
    running: (n) => `Deleting ${n} forever`,
    done: (n) => `Deleted ${plural(n, 'contact')} forever`,
    failed: 'Could not delete every contact forever',
  },
};

export const isTrashAction = (a: JobAction): a is TrashBulkAction => a === 'restore' || a === 'purge';

/** What a Trash bulk result says beyond its count: rows left in the Trash and why, ids no longer there. */
export function trashNotes(result: unknown, shown = 3): { skipped: string[]; moreSkipped: number; notFound: string | null } | null {
  const r = result as Partial<TrashBulkSummary> | null;
  if (!r || typeof r !== 'object' || !Array.isArray(r.skipped)) return null;
  const skippedCount = typeof r.skippedCount === 'number' ? r.skippedCount : r.skipped.length;
  const skipped = r.skipped.slice(0, shown).map((s) => {
    const reason = s.reason.charAt(0).toLowerCase() + s.reason.slice(1);
    return `${s.name ?? 'A contact without a name'}: ${reason}.`;
  });
  const notFound = r.notFound ?? 0;
  return {
    skipped,
    moreSkipped: Math.max(0, skippedCount - skipped.length),
    notFound: notFound > 0 ? `${plural(notFound, 'contact')} ${notFound === 1 ? 'was' : 'were'} no longer in the Trash.` : null,
  };
}

/** How many rows a Trash bulk action left in the Trash (restore: their email is taken). */
export const skippedCountOf = (result: unknown) => {
  const n = (result as { skippedCount?: unknown } | null)?.skippedCount;
  return typeof n === 'number' ? n : 0;
};

export const contactsText = (n: number | null) => (n === null ? 'the contacts' : n === 1 ? '1 contact' : `${formatCount(n)} contacts`);

/** For activate/deactivate: "The other 23 were inactive already." when fewer changed than were chosen. */
export function unchangedNote(action: JobAction, chosen: number | null, changed: number): string | null {
  if ((action !== 'activate' && action !== 'deactivate') || chosen === null || changed >= chosen) return null;
  const n = chosen - changed;
  return `The other ${formatCount(n)} ${n === 1 ? 'was' : 'were'} ${action === 'activate' ? 'active' : 'inactive'} already.`;
}

/** The count a finished job reports: `result.affected` when the handler gives it, else what it processed. */
export function affectedOf(result: unknown, processed: number): number {
  if (result && typeof result === 'object' && typeof (result as { affected?: unknown }).affected === 'number') {
    return (result as { affected: number }).affected;
  }
  return processed;
}

/** A failed job's reason, when its result carries one. */
export function failureOf(result: unknown): string | null {
  if (result && typeof result === 'object') {
    const r = result as { message?: unknown; error?: unknown };
    if (typeof r.message === 'string') return r.message;
    if (typeof r.error === 'string') return r.error;
    if (r.error && typeof r.error === 'object' && typeof (r.error as { message?: unknown }).message === 'string') {
      return (r.error as { message: string }).message;
    }
  }
  return null;
}
