// The CLI progress bar's time left, from the average rate since the work started (not the last few
// updates: batches arrive in bursts). Pure, unit-tested.

/** "about 2 min 10 s left", or a word while it cannot be known yet. */
export function etaText(o: { startedAt: number; startValue: number; value: number; total: number | null; now: number }): string {
  const elapsed = (o.now - o.startedAt) / 1000;
  const done = o.value - o.startValue;
  if (o.total !== null && o.value >= o.total) return 'done';
  if (o.total === null || done <= 0 || elapsed < 1) return 'estimating time left…';
  const seconds = ((o.total - o.value) * elapsed) / done;
  return `about ${formatDuration(seconds)} left`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return `${h} h${m ? ` ${m} min` : ''}`;
}
