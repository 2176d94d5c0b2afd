import { Stack, Text } from '@mantine/core';
import { formatCount } from '../lib/format.ts';
import { trashNotes } from '../lib/jobs.ts';

/** The part of a Trash bulk result a person must know about: rows that stayed in the Trash and why. */
export function TrashResultMessage({ result }: { result: unknown }) {
  const notes = trashNotes(result);
  if (!notes || (!notes.skipped.length && !notes.notFound)) return null;
  const stayed = notes.skipped.length + notes.moreSkipped;
  return (
    <Stack gap={4} mt={2} data-testid="trash-result">
      {stayed > 0 && (
        <Text size="sm" fw={500}>
          {stayed === 1 ? '1 contact stays' : `${formatCount(stayed)} contacts stay`} in the Trash:
        </Text>
      )}
      {notes.skipped.map((line, i) => (
        <Text key={i} size="sm" c="dimmed">
          {line}
        </Text>
      ))}
      {notes.moreSkipped > 0 && (
        <Text size="sm" c="dimmed">
          …and {formatCount(notes.moreSkipped)} more.
        </Text>
      )}
      {stayed > 0 && <Text size="sm">Change or remove that email on the contact that has it now, then restore again.</Text>}
      {notes.notFound && <Text size="sm">{notes.notFound}</Text>}
    </Stack>
  );
}
