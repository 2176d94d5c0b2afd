import { useState } from 'react';
import { ActionIcon, Button, Group, NumberInput, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconCheck, IconPencil, IconTrash, IconX } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { TIME_MINUTES_MAX } from '#shared/company.schema.ts';
import { errorMessage } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';
import { companiesApi, companyKeys, formatMinutes, type TimeEntry } from '../companies/companies-api.ts';

/** Time logged on a ticket: the total, each entry (members change or delete their own), and a form to log more. */
export function TicketTime(props: { ticketId: string }) {
  const { ticketId } = props;
  const qc = useQueryClient();
  const list = useQuery({ queryKey: companyKeys.ticketTime(ticketId), queryFn: ({ signal }) => companiesApi.ticketTime(ticketId, signal) });
  const [minutes, setMinutes] = useState<number | string>('');
  const [note, setNote] = useState('');
  const changed = () => {
    void qc.invalidateQueries({ queryKey: companyKeys.ticketTime(ticketId) });
    void qc.invalidateQueries({ queryKey: companyKeys.all });
  };
  const log = useMutation({
    mutationFn: () => companiesApi.logTime(ticketId, { minutes: Number(minutes), note }),
    onSuccess: () => {
      setMinutes('');
      setNote('');
      changed();
    },
  });
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="ticket-time-title">
      <Group justify="space-between" mb="xs">
        <Title order={2} fz="md" id="ticket-time-title">
          Time spent
        </Title>
        <Text fw={700} aria-live="polite">
          {list.data ? formatMinutes(list.data.totalMinutes) : ''}
        </Text>
      </Group>
      <Stack gap="xs" component="form" onSubmit={(e) => (e.preventDefault(), log.mutate())}>
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <NumberInput
            label="Minutes"
            min={1}
            max={TIME_MINUTES_MAX}
            allowDecimal={false}
            value={minutes}
            onChange={setMinutes}
            w={110}
            error={log.isError ? errorMessage(log.error) : null}
          />
          <TextInput label="Note" value={note} onChange={(e) => setNote(e.currentTarget.value)} maxLength={2000} style={{ flex: 1 }} />
        </Group>
        <Group justify="flex-end">
          <Button type="submit" size="sm" loading={log.isPending} disabled={!Number(minutes)}>
            Log time
          </Button>
        </Group>
      </Stack>
      {list.isError ? (
        <Text size="sm" c="red.8" role="alert" mt="xs">
          {errorMessage(list.error)}
        </Text>
      ) : (
        !!list.data?.items.length && (
          <Stack gap={6} mt="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-label="Time entries">
            {list.data.items.map((e) => (
              <TimeRow key={e.id} ticketId={ticketId} e={e} onChanged={changed} />
            ))}
          </Stack>
        )
      )}
    </Paper>
  );
}

function TimeRow(props: { ticketId: string; e: TimeEntry; onChanged: () => void }) {
  const { e, ticketId } = props;
  const [editing, setEditing] = useState(false);
  const [minutes, setMinutes] = useState<number | string>(e.minutes);
  const save = useMutation({
    mutationFn: () => companiesApi.updateTime(ticketId, e.id, { minutes: Number(minutes) }),
    onSuccess: () => (setEditing(false), props.onChanged()),
  });
  const remove = useMutation({ mutationFn: () => companiesApi.deleteTime(ticketId, e.id), onSuccess: props.onChanged });
  return (
    <Group component="li" gap="xs" wrap="nowrap" justify="space-between" align="flex-start">
      <Stack gap={0} style={{ minWidth: 0 }}>
        {editing ? (
          <NumberInput
            aria-label="Minutes"
            size="xs"
            min={1}
            max={TIME_MINUTES_MAX}
            allowDecimal={false}
            value={minutes}
            onChange={setMinutes}
            w={100}
            error={save.isError ? errorMessage(save.error) : null}
          />
        ) : (
          <Text size="sm" fw={600}>
            {formatMinutes(e.minutes)}
            {e.note && (
              <Text span size="sm" fw={400} style={{ overflowWrap: 'anywhere' }}>
                {' '}
                · {e.note}
              </Text>
            )}
          </Text>
        )}
        <Text size="xs" c="dimmed">
          {e.member.name} · {formatDateTime(e.spentAt)}
        </Text>
      </Stack>
      {e.mine && (
        <Group gap={4} wrap="nowrap">
          {editing ? (
            <>
              <ActionIcon variant="subtle" size="lg" aria-label="Save minutes" onClick={() => save.mutate()} loading={save.isPending}>
                <IconCheck size={18} />
              </ActionIcon>
              <ActionIcon variant="subtle" color="gray" size="lg" aria-label="Cancel" onClick={() => setEditing(false)}>
                <IconX size={18} />
              </ActionIcon>
            </>
          ) : (
            <>
              <ActionIcon
                variant="subtle"
                color="gray"
                size="lg"
                aria-label={`Edit ${formatMinutes(e.minutes)}`}
                onClick={() => setEditing(true)}
              >
                <IconPencil size={18} />
              </ActionIcon>
              <ActionIcon
                variant="subtle"
                color="red"
                size="lg"
                aria-label={`Delete ${formatMinutes(e.minutes)}`}
                onClick={() => remove.mutate()}
                loading={remove.isPending}
              >
                <IconTrash size={18} />
              </ActionIcon>
            </>
          )}
        </Group>
      )}
    </Group>
  );
}
