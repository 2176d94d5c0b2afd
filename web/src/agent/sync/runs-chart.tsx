// A chart of a connection's recent runs: one stacked bar per run, split by outcome. The SVG is a picture
// with a summary for screen readers; the runs table next to it holds every number.
import { Box, Group, Text } from '@mantine/core';
import { formatCount, formatDateTime } from '../../lib/format.ts';
import type { SyncRun } from './sync-api.ts';
import { countKeys, countLook, runStatusLook, totalOf } from './sync-parts.tsx';

const W = 1000;
const H = 190;
const BASE = H - 16;
const SLOTS = 12;
const GAP = 10;

export function RunsChart(props: { runs: SyncRun[]; describedBy?: string; selectedId?: string | null }) {
  // oldest on the left, as time reads; the newest run sits at the right edge
  const runs = [...props.runs].slice(0, SLOTS).reverse();
  const max = Math.max(1, ...runs.map((r) => totalOf(r.counts)));
  const barW = (W - GAP * (SLOTS + 1)) / SLOTS;
  const offset = SLOTS - runs.length;
  const latest = props.runs[0];
  const summary = latest
    ? `Bar chart of the last ${runs.length} ${runs.length === 1 ? 'run' : 'runs'}: people per run by outcome. The latest run (${formatDateTime(
        latest.startedAt ?? latest.createdAt,
      )}) ${runStatusLook[latest.status].label.toLowerCase()} with ${countKeys
        .map((k) => `${formatCount(latest.counts[k])} ${countLook[k].label.toLowerCase()}`)
        .join(', ')}.`
    : 'No runs yet.';

  return (
    <Box>
      <Text size="xs" c="dimmed" mb={4} aria-hidden>
        People per run, up to {formatCount(max)} · oldest left, newest right
      </Text>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        preserveAspectRatio="xMinYMid meet"
        role="img"
        aria-label={summary}
        aria-describedby={props.describedBy}
        style={{ display: 'block' }}
        data-testid="runs-chart"
      >
        <line x1={0} x2={W} y1={BASE} y2={BASE} stroke="var(--mantine-color-gray-4)" />
        {runs.map((r, i) => {
          const x = GAP + (offset + i) * (barW + GAP);
          let y = BASE;
          const total = totalOf(r.counts);
          const selected = r.id === props.selectedId;
          const bad = r.status === 'failed' || r.status === 'needs_confirmation';
          return (
            <g key={r.id} aria-hidden>
              {selected && <rect x={x - 4} y={0} width={barW + 8} height={H} rx={6} fill="var(--mantine-color-indigo-0)" />}
              {total === 0 && (
                <rect
                  x={x}
                  y={BASE - 3}
                  width={barW}
                  height={3}
                  fill={bad ? 'var(--mantine-color-red-7)' : 'var(--mantine-color-gray-4)'}
                />
              )}
              {countKeys.map((k) => {
                const v = r.counts[k];
                if (!v) return null;
                const h = Math.max(2, (v / max) * (BASE - 8));
                y -= h;
                return <rect key={k} x={x} y={y} width={barW} height={h} fill={countLook[k].chart} />;
              })}
              <title>{`${formatDateTime(r.startedAt ?? r.createdAt)}: ${runStatusLook[r.status].label}`}</title>
              {bad && (
                <text x={x + barW / 2} y={H - 1} fontSize={14} fontWeight={700} textAnchor="middle" fill="var(--mantine-color-red-8)">
                  {r.status === 'failed' ? 'failed' : 'waiting'}
                </text>
              )}
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
