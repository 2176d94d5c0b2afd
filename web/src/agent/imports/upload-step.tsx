import { useEffect, useRef, useState } from 'react';
import { Button, Card, Group, Progress, Stack, Text, ThemeIcon } from '@mantine/core';
import { IconFileSpreadsheet, IconX } from '@tabler/icons-react';
import { api, type ImportPreview } from '../../lib/api.ts';
import { formatBytes, ImportErrorAlert } from './import-parts.tsx';
import { FileDrop } from './file-drop.tsx';

type Upload = { file: File; loaded: number; total: number; phase: 'sending' | 'reading' };

/** A problem the browser can see before sending anything. */
function checkFile(file: File): string | null {
  const name = file.name.toLowerCase();
  if (file.size === 0) return `${file.name} is empty. Choose a file with a header row and at least one contact.`;
  if (name.endsWith('.xls'))
    return 'Old Excel files (.xls) cannot be read. In Excel, save the sheet as “Excel Workbook (.xlsx)” or as CSV, then upload that file.';
  if (/\.(numbers|ods|vcf|pdf|docx?|zip)$/.test(name))
    return `${file.name} is not a CSV or .xlsx file. Export the contacts as CSV or Excel (.xlsx) first.`;
  return null;
}

/** Step 2: choose a file; it is uploaded with a progress bar and read by the server (nothing is imported yet). */
export function UploadStep(props: { onUploaded: (preview: ImportPreview) => void }) {
  const [upload, setUpload] = useState<Upload | null>(null);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);

  // leaving the step stops an upload in flight
  useEffect(() => () => abort.current?.abort(), []);

  const start = async (file: File) => {
    setError(null);
    const problem = checkFile(file);
    if (problem) {
      setError(new Error(problem));
      return;
    }
    const ctrl = new AbortController();
    abort.current = ctrl;
    setUpload({ file, loaded: 0, total: file.size, phase: 'sending' });
    try {
      const preview = await api.previewImport(file, {
        signal: ctrl.signal,
        onProgress: (p) => setUpload({ file, loaded: p.loaded, total: p.total, phase: p.loaded >= p.total ? 'reading' : 'sending' }),
      });
      if (ctrl.signal.aborted) return;
      setUpload(null);
      props.onUploaded(preview);
    } catch (e) {
      setUpload(null);
      if (e instanceof DOMException && e.name === 'AbortError') return;
      setError(e);
    }
  };

  const percent = upload ? Math.round((upload.loaded / Math.max(upload.total, 1)) * 100) : 0;

  return (
    <Stack gap="md">
      {error !== null && <ImportErrorAlert error={error} title="This file cannot be imported" onClose={() => setError(null)} />}
      {upload ? (
        <Card py="xl">
          <Stack gap="sm" maw={560} mx="auto" w="100%">
            <Group gap="sm" wrap="nowrap">
              <ThemeIcon variant="light" size={40} radius="md" aria-hidden>
                <IconFileSpreadsheet size={22} />
              </ThemeIcon>
              <div style={{ minWidth: 0, flex: 1 }}>
                <Text fw={600} truncate title={upload.file.name}>
                  {upload.file.name}
                </Text>
                <Text size="sm" c="dimmed">
                  {upload.phase === 'sending'
                    ? `Uploading… ${formatBytes(upload.loaded)} of ${formatBytes(upload.total)}`
                    : 'Uploaded. Reading the columns…'}
                </Text>
              </div>
              <Text fw={600} size="sm" aria-hidden>
                {percent}%
              </Text>
            </Group>
            <Progress
              value={upload.phase === 'reading' ? 100 : percent}
              animated={upload.phase === 'reading'}
              striped={upload.phase === 'reading'}
              size="lg"
              radius="xl"
              aria-label="Upload progress"
            />
            <Group justify="flex-end">
              <Button variant="subtle" color="gray" leftSection={<IconX size={16} />} onClick={() => abort.current?.abort()}>
                Cancel upload
              </Button>
            </Group>
          </Stack>
        </Card>
      ) : (
        <FileDrop onFile={(f) => void start(f)} />
      )}
    </Stack>
  );
}
