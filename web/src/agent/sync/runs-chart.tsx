// A chart of a connection's recent runs: one stacked bar per run, split by outcome. The SVG is a picture
// with a summary for screen readers; the runs table next to it holds every number.
import { Box, Group, Text } from '@mantine/core';
import { formatCount, formatDateTime } from '../../lib/format.ts';
import type { SyncRun } from './sync-api.ts';
import { countKeys, countLook, runStatusLook, totalOf } from './sync-parts.tsx';

const H = 160;
const BAR_GAP = 6;

export function RunsChart(props: { runs: SyncRun[]; describedBy?: string; selectedId?: string | null }) {
  // oldest on the left, as time reads
  const runs = [...props.runs].reverse();
  const max = Math.max(1, ...runs.map((r) => totalOf(r.counts)));
  const n = Math.max(runs.length, 8);
  const W = 640;
  const barW = Math.max(8, (W - BAR_GAP * (n + 1)) / n);
  const latest = props.runs[0];
  const summary = latest
    ? `Bar chart of the last ${runs.length} ${runs.length === 1 ? 'run' : 'runs'}: people per run by outcome. The latest run (${formatDateTime(
        latest.startedAt ?? latest.createdAt ?? new Date().toISOString(),
      )}) ${runStatusLook[latest.status].label.toLowerCase()} with ${countKeys
        .map((k) => `${formatCount(latest.counts[k])} ${countLook[k].label.toLowerCase()}`)
        .join(', ')}.`
    : 'No runs yet.';

  return (
    <Box>
      <svg
        viewBox={`0 0 ${W} ${H + 20}`}
        width="100%"
        role="img"
        aria-label={summary}
        aria-describedby={props.describedBy}
        style={{ display: 'block', maxHeight: 220 }}
        data-testid="runs-chart"
      >
        <line x1={0} x2={W} y1={H} y2={H} stroke="var(--mantine-color-gray-4)" />
        <text x={2} y={12} fontSize={11} fill="var(--mantine-color-dimmed)">
          {formatCount(max)} people
        </text>
        {runs.map((r, i) => {
          const x = BAR_GAP + i * (barW + BAR_GAP);
          let y = H;
          const total = totalOf(r.counts);
          const selected = r.id === props.selectedId;
          return (
            <g key={r.id} aria-hidden>
              {selected && <rect x={x - 3} y={0} width={barW + 6} height={H + 18} rx={4} fill="var(--mantine-color-indigo-0)" />}
              {total === 0 && (
                <rect
                  x={x}
                  y={H - 2}
                  width={barW}
                  height={2}
                  fill={r.status === 'failed' ? 'var(--mantine-color-red-7)' : 'var(--mantine-color-gray-4)'}
                />
              )}
              {countKeys.map((k) => {
                const v = r.counts[k];
                if (!v) return null;
                const h = Math.max(1, (v / max) * (H - 20));
                y -= h;
                return <rect key={k} x={x} y={y} width={barW} height={h} fill={countLook[k].chart} />;
              })}
              <title>{`${formatDateTime(r.startedAt ?? r.createdAt ?? '')}: ${runStatusLook[r.status].label}`}</title>
              {r.status === 'failed' || r.status === 'needs_confirmation' ? (
                <text x={x + barW / 2} y={H + 14} fontSize={11} textAnchor="middle" fill="var(--mantine-color-red-8)">
                  !
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <Group gap="md" mt={6} aria-hidden>
        {countKeys.map((k) => (
          <Group key={k} gap={6} wrap="nowrap">
            <Box w={10} h={10} style={{ background: countLook[k].chart, borderRadius: 2 }} />
            <Text size="xs" c="dimmed">
              {countLook[k].label}
            </Text>
          </Group>
        ))}
      </Group>
    </Box>
  );
}
