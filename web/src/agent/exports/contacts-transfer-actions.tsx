// "Import" and "Export" in the Contacts page header, each shown only to members with the permission.
import { useMemo, useState } from 'react';
import { ActionIcon, Button, Menu, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconChevronDown, IconDownload, IconFileExport, IconFileUpload, IconFilter, IconListCheck, IconUsers } from '@tabler/icons-react';
import { Link, useSearchParams } from 'react-router';
import { formatCount } from '../../lib/format.ts';
import { usePermissions } from '../../lib/queries.ts';
import { ExportModal, type ExportScope } from './export-modal.tsx';
import { describeView, isWholeDirectory, toExportFilter, type ViewFilter } from './export-filter.ts';

/** Without a filter from the page, the address says what the list shows (q, status, verified, companyId). */
function useUrlView(): ViewFilter {
  const [params] = useSearchParams();
  return useMemo(
    () => ({
      q: params.get('q') ?? undefined,
      status: params.get('status') ?? undefined,
      verified: params.get('verified') ?? undefined,
      companyId: params.get('companyId') ?? undefined,
    }),
    [params],
  );
}

export function ContactsTransferActions(props: {
  /** the list's filter as shown; without it, the page address is read */
  filter?: ViewFilter;
  /** contacts the list shows for that filter */
  total?: number;
  totalIsEstimate?: boolean;
  /** ids of the selected rows, when the list has a selection */
  selectedIds?: string[];
}) {
  const perms = usePermissions();
  const urlView = useUrlView();
  const view = useMemo(() => toExportFilter(props.filter ?? urlView), [props.filter, urlView]);
  const whole = isWholeDirectory(view);
  const [scope, setScope] = useState<ExportScope | null>(null);
  const selected = props.selectedIds ?? [];
  // five header buttons do not fit below ~1100 px: import and export share one menu there
  const compact = useMediaQuery('(max-width: 68em)', false, { getInitialValueInEffect: false });
  const phone = useMediaQuery('(max-width: 36em)', false, { getInitialValueInEffect: false });
  const about = props.totalIsEstimate ? 'about ' : '';
  const n = (x: number | undefined) => (x === undefined ? '' : ` (${about}${formatCount(x)})`);

  if (!perms.importContacts && !perms.exportContacts) return null;

  const exportItems = (
    <>
      <Menu.Label>Export as CSV or Excel</Menu.Label>
      {selected.length > 0 && (
        <Menu.Item leftSection={<IconListCheck size={16} />} onClick={() => setScope('selected')}>
          Selected contacts ({formatCount(selected.length)})
        </Menu.Item>
      )}
      {!whole && (
        <Menu.Item leftSection={<IconFilter size={16} />} onClick={() => setScope('filter')}>
          This view{n(props.total)}
          <Text size="xs" c="dimmed" truncate>
            {describeView(view)}
          </Text>
        </Menu.Item>
      )}
      <Menu.Item leftSection={<IconUsers size={16} />} onClick={() => setScope('all')}>
        All contacts{whole ? n(props.total) : ''}
      </Menu.Item>
    </>
  );

  return (
    <>
      {compact ? (
        <Menu position="bottom-end" shadow="md" width={280} withinPortal>
          <Menu.Target>
            {phone ? (
              <ActionIcon variant="default" size={36} aria-label="Import and export">
                <IconFileExport size={18} />
              </ActionIcon>
            ) : (
              <Button variant="default" leftSection={<IconFileExport size={18} />} rightSection={<IconChevronDown size={16} />}>
                {perms.importContacts && perms.exportContacts ? 'Import / export' : perms.importContacts ? 'Import' : 'Export'}
              </Button>
            )}
          </Menu.Target>
          <Menu.Dropdown>
            {perms.importContacts && (
              <Menu.Item component={Link} to="/contacts/import" leftSection={<IconFileUpload size={16} />}>
                Import contacts
              </Menu.Item>
            )}
            {perms.importContacts && perms.exportContacts && <Menu.Divider />}
            {perms.exportContacts && exportItems}
          </Menu.Dropdown>
        </Menu>
      ) : (
        <>
          {perms.importContacts && (
            <Button component={Link} to="/contacts/import" variant="default" leftSection={<IconFileUpload size={18} />}>
              Import
            </Button>
          )}
          {perms.exportContacts && (
            <Menu position="bottom-end" shadow="md" width={280} withinPortal>
              <Menu.Target>
                <Button variant="default" leftSection={<IconDownload size={18} />} rightSection={<IconChevronDown size={16} />}>
                  Export
                </Button>
              </Menu.Target>
              <Menu.Dropdown>{exportItems}</Menu.Dropdown>
            </Menu>
          )}
        </>
      )}
      {perms.exportContacts && (
        <ExportModal
          opened={scope !== null}
          initialScope={scope ?? 'all'}
          onClose={() => setScope(null)}
          choice={{
            selectedIds: selected,
            filter: whole ? null : view,
            filterText: describeView(view),
            filterTotal: whole || props.totalIsEstimate ? undefined : props.total,
            allTotal: whole && !props.totalIsEstimate ? props.total : undefined,
          }}
        />
      )}
    </>
  );
}
