import { useId, useRef, useState, type DragEvent } from 'react';
import { Box, Button, Group, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconFileSpreadsheet, IconUpload } from '@tabler/icons-react';

export const ACCEPT =
  '.csv,.tsv,.txt,.xlsx,text/csv,text/tab-separated-values,text/plain,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * A drop zone with a "Choose file" button: drag a file onto it, click anywhere in it, or tab to the button
 * and press Enter. The zone itself is not a control (a button inside a button is announced twice and
 * cannot be reached by screen readers); the native file input stays in the page (hidden) with a label
 * for tests.
 */
export function FileDrop(props: { onFile: (file: File) => void; disabled?: boolean; maxBytesText?: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  const helpId = useId();
  const pick = () => !props.disabled && input.current?.click();
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (file && !props.disabled) props.onFile(file);
  };

  return (
    <Box
      onClick={pick}
      onDragOver={(e) => {
        e.preventDefault();
        if (!props.disabled) setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      className="kd-drop"
      data-over={over || undefined}
      data-disabled={props.disabled || undefined}
    >
      <Stack align="center" gap="sm" py={40} px="md">
        <ThemeIcon size={56} radius="xl" variant="light" aria-hidden>
          {over ? <IconFileSpreadsheet size={28} /> : <IconUpload size={28} />}
        </ThemeIcon>
        <Text fw={600} size="lg" ta="center">
          {over ? 'Drop the file to upload it' : 'Drag a file here, or choose one'}
        </Text>
        <Text size="sm" c="dimmed" ta="center" maw={440} id={helpId}>
          CSV (any delimiter or encoding) or Excel .xlsx{props.maxBytesText ? `, up to ${props.maxBytesText}` : ''}. The first row must hold
          the column names.
        </Text>
        <Group>
          <Button
            variant="default"
            leftSection={<IconFileSpreadsheet size={18} />}
            disabled={props.disabled}
            aria-describedby={helpId}
            onClick={(e) => {
              e.stopPropagation();
              pick();
            }}
          >
            Choose file
          </Button>
        </Group>
      </Stack>
      <input
        ref={input}
        type="file"
        accept={ACCEPT}
        aria-label="File to import"
        style={{ display: 'none' }}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (file) props.onFile(file);
        }}
      />
    </Box>
  );
}
