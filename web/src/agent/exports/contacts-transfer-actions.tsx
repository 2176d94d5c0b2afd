// "Import" and "Export" in the Contacts page header, each shown only to members with the permission.
import { useMemo, useState } from 'react';
import { ActionIcon, Button, Menu } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconChevronDown, IconDownload, IconFileExport, IconFileUpload, IconFilter, IconListCheck, IconUsers } from '@tabler/icons-react';
import { Link, useSearchParams } from 'react-router';
import type { ExportFilter } from '../../lib/api.ts';
import { formatCount } from '../../lib/format.ts';
import { usePermissions } from '../../lib/queries.ts';
import { ExportModal, type ExportScope } from './export-modal.tsx';

const FILTER_PARAMS = ['q', 'status', 'verified', 'companyId'] as const;

/** The directory filter in the page's address (the same names as GET /api/v1/contacts), or null when none. */
function useDirectoryFilter(): ExportFilter | null {
  const [params] = useSearchParams();
  return useMemo(() => {
    const f: Record<string, string> = {};
    for (const k of FILTER_PARAMS) {
      const v = params.get(k)?.trim();
      if (v) f[k] = v;
    }
    return Object.keys(f).length ? (f as ExportFilter) : null;
  }, [params]);
}

export function ContactsTransferActions(props: {
  /** contacts in the list as shown (the current filter, or the whole directory) */
  total?: number;
  /** ids of the selected rows, when the list has a selection */
  selectedIds?: string[];
}) {
  const perms = usePermissions();
  const filter = useDirectoryFilter();
  const [scope, setScope] = useState<ExportScope | null>(null);
  const selected = props.selectedIds ?? [];
  const narrow = useMediaQuery('(max-width: 48em)', false, { getInitialValueInEffect: false });
  const n = (x: number | undefined) => (x === undefined ? '' : ` (${formatCount(x)})`);

  const exportItems = (
    <>
      <Menu.Label>Export as CSV or Excel</Menu.Label>
      {selected.length > 0 && (
        <Menu.Item leftSection={<IconListCheck size={16} />} onClick={() => setScope('selected')}>
          Selected contacts{n(selected.length)}
        </Menu.Item>
      )}
      {filter && (
        <Menu.Item leftSection={<IconFilter size={16} />} onClick={() => setScope('filter')}>
          Current search{n(props.total)}
        </Menu.Item>
      )}
      <Menu.Item leftSection={<IconUsers size={16} />} onClick={() => setScope('all')}>
        All contacts{filter ? '' : n(props.total)}
      </Menu.Item>
    </>
  );

  return (
    <>
      {narrow && (perms.importContacts || perms.exportContacts) ? (
        // a phone has no room for three buttons in the header: import and export share one menu
        <Menu position="bottom-end" shadow="md" width={260} withinPortal>
          <Menu.Target>
            <ActionIcon variant="default" size={36} aria-label="Import and export">
              <IconFileExport size={18} />
            </ActionIcon>
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
            <Menu position="bottom-end" shadow="md" width={260} withinPortal>
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
            filter,
            filterTotal: filter ? props.total : undefined,
            allTotal: filter ? undefined : props.total,
          }}
        />
      )}
    </>
  );
}
