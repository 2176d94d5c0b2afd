import { useCompany } from '../companies/companies-api.ts';
import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Menu, SimpleGrid, Stack, Text } from '@mantine/core';
import { IconDots, IconEye, IconForms, IconPencil, IconTicket, IconTrash } from '@tabler/icons-react';
import { Link, useNavigate, useParams } from 'react-router';
import type { Contact } from '../../lib/api.ts';
import { contactName, formatDateTime } from '../../lib/format.ts';
import { useContact, usePermissions } from '../../lib/queries.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { PageLoader } from '../../components/loaders.tsx';
import { ContactHistory } from './contact-history.tsx';
import { addressFields, notificationFields, permissionFields } from './contact-form.ts';
import { addressLabels, historySection, informationLabels, notificationLabels, permissionLabels, sections } from './contact-sections.ts';
import { SectionCard, SectionLayout } from './section-layout.tsx';
import { DeleteContactModal } from './delete-contact-modal.tsx';
import { usePageTitle } from '../../lib/use-page-title.ts';
import { ContactLoadError } from './contact-load-error.tsx';
import { ContactBreadcrumbs } from './contact-breadcrumbs.tsx';
import { useContactPortalActions } from '../portal/portal-actions.tsx';
import { DirectoryFields, Field, Flag, LabeledList } from './contact-display.tsx';
import { ContactTickets } from '../tickets/contact-tickets.tsx';
import { ContactForms } from '../forms/contact-forms.tsx';

const ticketsSection = { id: 'tickets', label: 'Tickets', icon: IconTicket, description: 'Tickets this contact is on, newest first.' };

const formsSection = { id: 'forms', label: 'Forms', icon: IconForms, description: 'Forms assigned to this contact and their answers.' };

const section = (id: (typeof sections)[number]['id']) => sections.find((s) => s.id === id)!;

/** Read-only contact record; anyone who can see contacts may open it. */
export default function ContactViewPage() {
  const { id } = useParams();
  const contact = useContact(id);
  const perms = usePermissions();
  const navigate = useNavigate();
  const [deleting, setDeleting] = useState<Contact | null>(null);
  const portalActions = useContactPortalActions();
  usePageTitle(contact.data ? contactName(contact.data) : 'Contact');

  if (contact.isPending) return <PageLoader />;
  if (contact.isError) return <ContactLoadError error={contact.error} onRetry={() => void contact.refetch()} />;
  const c = contact.data;
  const name = contactName(c);
  const subtitle = [c.jobTitle, c.company].filter(Boolean).join(' · ');

  return (
    <>
      <PageHeader
        above={<ContactBreadcrumbs name={name} />}
        title={name}
        badge={
          <Badge variant="light" color={c.permissions.active ? 'green' : 'gray'} radius="sm">
            {c.permissions.active ? 'Active' : 'Inactive'}
          </Badge>
        }
        description={subtitle || undefined}
        actions={
          perms.modifyContacts ? (
            <>
              <Button component={Link} to={`/contacts/${c.id}/edit`} leftSection={<IconPencil size={18} />}>
                Edit
              </Button>
              <Menu position="bottom-end" shadow="md" width={240}>
                <Menu.Target>
                  <Button variant="default" px="xs" aria-label="More actions">
                    <IconDots size={18} />
                  </Button>
                </Menu.Target>
                <Menu.Dropdown>
                  {portalActions.items(c)}
                  <Menu.Divider />
                  <Menu.Item
                    color="red"
                    c="var(--mantine-color-red-text)"
                    leftSection={<IconTrash size={16} />}
                    onClick={() => setDeleting(c)}
                  >
                    Delete
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            </>
          ) : (
            <Badge variant="light" color="gray" size="lg" radius="sm" leftSection={<IconEye size={14} />}>
              Read-only
            </Badge>
          )
        }
      />

      {!perms.modifyContacts && (
        <Alert variant="light" color="gray" mb="lg" icon={<IconEye size={18} />}>
          You can view this contact. To change contacts, ask a team owner or admin for the <b>Modify contacts</b> permission.
        </Alert>
      )}

      <SectionLayout sections={[...sections, ticketsSection, formsSection, historySection]}>
        <SectionCard section={section('information')}>
          <Stack gap="md">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="md">
              {(['firstName', 'lastName', 'company', 'jobTitle', 'division'] as const).map((k) => (
                <Field key={k} label={informationLabels[k]} value={c[k]} />
              ))}
              <Field label="Company record" value={c.companyId && <CompanyName id={c.companyId} />} />
            </SimpleGrid>
            <Field label={informationLabels.notes} value={c.notes} multiline />
          </Stack>
        </SectionCard>

        <SectionCard section={section('contact-info')}>
          <Stack gap="lg">
            <Field
              label="Primary email"
              value={c.primaryEmail && <Anchor href={`mailto:${c.primaryEmail}`}>{c.primaryEmail}</Anchor>}
              hint="Used for portal sign-in codes"
            />
            <LabeledList title="Emails" entries={c.emails} empty="No other emails" href={(v) => `mailto:${v}`} />
            <LabeledList title="Phones" entries={c.phones} empty="No phones" href={(v) => `tel:${v.replace(/[^\d+]/g, '')}`} />
          </Stack>
        </SectionCard>

        <SectionCard section={section('address')}>
          {addressFields.some((k) => c.address[k]) ? (
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              {addressFields.map((k) => (
                <Field key={k} label={addressLabels[k]} value={c.address[k]} />
              ))}
            </SimpleGrid>
          ) : (
            <Text size="sm" c="dimmed">
              No address on file.
            </Text>
          )}
        </SectionCard>

        <SectionCard section={section('notifications')}>
          <Stack gap="sm">
            {notificationFields.map((k) => (
              <Flag key={k} on={c.notifications[k]} {...notificationLabels[k]} />
            ))}
          </Stack>
        </SectionCard>

        <SectionCard section={section('permissions')}>
          <Stack gap="sm">
            {permissionFields.map((k) => (
              <Flag key={k} on={c.permissions[k]} {...permissionLabels[k]} />
            ))}
          </Stack>
        </SectionCard>

        <SectionCard section={section('directory')}>
          <DirectoryFields directory={c.directory} />
        </SectionCard>

        <SectionCard section={ticketsSection}>
          <ContactTickets contactId={c.id} />
        </SectionCard>

        <SectionCard section={formsSection}>
          <ContactForms contactId={c.id} contactName={name} canAssign={perms.modifyContacts} />
        </SectionCard>

        <SectionCard section={historySection}>
          <ContactHistory contactId={c.id} />
        </SectionCard>

        <Text size="xs" c="dimmed" ta="right">
          Created {formatDateTime(c.createdAt)} · Last updated {formatDateTime(c.updatedAt)} · Version {c.version}
        </Text>
      </SectionLayout>

      {portalActions.dialogs}
      <DeleteContactModal contact={deleting} onClose={() => setDeleting(null)} onDeleted={() => navigate('/contacts', { replace: true })} />
    </>
  );
}

function CompanyName(props: { id: string }) {
  const company = useCompany(props.id);
  return (
    <Anchor component={Link} to={`/companies/${props.id}`}>
      {company.data?.name ?? (company.isError ? 'Deleted company' : '…')}
    </Anchor>
  );
}
