import { Badge, Stack, Text } from '@mantine/core';
import { formatDateTime } from '../../lib/format.ts';
import type { FormField, FormResponse } from './forms-api.ts';

const shown = (f: FormField, v: unknown) =>
  v === undefined || v === null || v === '' ? null : f.type === 'checkbox' ? (v ? 'Yes' : 'No') : String(v);

/** A response's answers, one per field of the form, in the form's order. */
export function ResponseValues(props: { fields: FormField[]; response: FormResponse }) {
  const r = props.response;
  return (
    <Stack gap="sm">
      <Text size="xs" c="dimmed">
        {r.submittedAt ? `Submitted ${formatDateTime(r.submittedAt)}` : 'Not submitted yet'}
      </Text>
      <Stack gap="sm" component="dl" m={0}>
        {props.fields.map((f) => {
          const v = shown(f, r.values?.[f.key]);
          return (
            <div key={f.key}>
              <Text component="dt" size="xs" fw={600} c="dimmed">
                {f.label}
              </Text>
              <Text
                component="dd"
                m={0}
                size="sm"
                style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}
                c={v === null ? 'dimmed' : undefined}
              >
                {v ?? 'No answer'}
              </Text>
            </div>
          );
        })}
      </Stack>
    </Stack>
  );
}

export function StatusBadge(props: { r: Pick<FormResponse, 'status' | 'draftSavedAt'>; style?: React.CSSProperties }) {
  if (props.r.status === 'submitted')
    return (
      <Badge color="teal" variant="light" radius="sm" style={props.style}>
        Submitted
      </Badge>
    );
  return (
    <Badge color="yellow" variant="light" radius="sm" style={props.style}>
      {props.r.draftSavedAt ? 'In progress' : 'Waiting'}
    </Badge>
  );
}
