// Section and field names of a contact, as the KDesk help pages use them; shared by the editor,
// the read-only view and the history list.
import { IconAddressBook, IconBell, IconHistory, IconId, IconMapPin, IconShieldCheck, IconSitemap } from '@tabler/icons-react';
import type { AddressField, NotificationField, PermissionField } from './contact-form.ts';

export const sections = [
  {
    id: 'information',
    label: 'Information',
    icon: IconId,
    description: 'Core profile details and internal notes your team uses for context.',
  },
  {
    id: 'contact-info',
    label: 'Contact Info',
    icon: IconAddressBook,
    description: 'The primary email used for portal sign-in, plus labeled emails and phones.',
  },
  { id: 'address', label: 'Address', icon: IconMapPin, description: 'Location details for shipping, on-site visits and record keeping.' },
  {
    id: 'notifications',
    label: 'Notifications',
    icon: IconBell,
    description: 'Which emails this contact receives. Team Settings can switch each one off for everyone.',
  },
  {
    id: 'permissions',
    label: 'Permissions',
    icon: IconShieldCheck,
    description: 'What this contact may do in the portal, when the team allows it too.',
  },
  {
    id: 'directory',
    label: 'Directory / Sync',
    icon: IconSitemap,
    description: 'Identifiers written by Contact Sync, read-only here. Who a contact reports to can be set while no connection manages it.',
  },
] as const;
export type SectionId = (typeof sections)[number]['id'] | 'history';
export const historySection = {
  id: 'history' as const,
  label: 'History',
  icon: IconHistory,
  description: 'Every change to this contact: who, when and what.',
};

export const informationLabels = {
  firstName: 'First name',
  lastName: 'Last name',
  company: 'Company',
  jobTitle: 'Job title',
  division: 'Division',
  notes: 'Notes',
} as const;

export const addressLabels: Record<AddressField, string> = {
  line1: 'Address line 1',
  line2: 'Address line 2',
  city: 'City',
  state: 'State / province',
  postalCode: 'Postal / ZIP code',
  country: 'Country',
};

export const notificationLabels: Record<NotificationField, { label: string; description: string }> = {
  newTickets: { label: 'Email new tickets', description: 'When a new ticket is created for, or associated with, this contact.' },
  ticketUpdates: { label: 'Email ticket updates', description: 'When a ticket changes: status, updates, assignments.' },
  newComments: { label: 'Email new comments', description: 'When a new comment is posted on the ticket.' },
  formAssignments: { label: 'Email form assignments', description: 'When a form that involves this contact is assigned.' },
};

export const permissionLabels: Record<PermissionField, { label: string; description: string }> = {
  active: { label: 'Active contact', description: 'Inactive contacts stay in the directory but cannot use the portal.' },
  portalAccess: { label: 'Portal access', description: 'May sign in to the contact portal (when the team portal is enabled).' },
  canPostComments: {
    label: 'Can post comments',
    description: 'May comment on tickets in the portal (when the team allows portal comments).',
  },
  canCloseTickets: { label: 'Can close tickets', description: 'May close their tickets from the portal (when the team allows it).' },
};

export const directoryLabels = {
  syncId: 'Directory sync ID',
  organizationId: 'Directory organization ID',
  connectionId: 'Sync connection',
  reportsToContactId: 'Reports to (contact ID)',
  reportsToSyncId: 'Reports to (sync ID)',
} as const;

/** A readable name for an audit field path such as `address.city` or `permissions.active`. */
export function fieldLabel(path: string): string {
  const [head, sub] = path.split('.') as [string, string | undefined];
  if (head === 'primaryEmail') return 'Primary email';
  if (head === 'emails') return 'Emails';
  if (head === 'phones') return 'Phones';
  if (head in informationLabels) return informationLabels[head as keyof typeof informationLabels];
  if (head === 'address' && sub && sub in addressLabels) return addressLabels[sub as AddressField];
  if (head === 'notifications' && sub && sub in notificationLabels) return notificationLabels[sub as NotificationField].label;
  if (head === 'permissions' && sub && sub in permissionLabels) return permissionLabels[sub as PermissionField].label;
  if (head === 'directory' && sub && sub in directoryLabels) return directoryLabels[sub as keyof typeof directoryLabels];
  if (head === 'companyId') return 'Company';
  return path;
}

const fieldOrder = [
  'firstName',
  'lastName',
  'company',
  'jobTitle',
  'division',
  'notes',
  'primaryEmail',
  'emails',
  'phones',
  'address.line1',
  'address.line2',
  'address.city',
  'address.state',
  'address.postalCode',
  'address.country',
  'notifications.newTickets',
  'notifications.ticketUpdates',
  'notifications.newComments',
  'notifications.formAssignments',
  'permissions.active',
  'permissions.portalAccess',
  'permissions.canPostComments',
  'permissions.canCloseTickets',
];

/** Sorts audit field paths in the order the sections show them; unknown paths go last. */
export function byFieldOrder(a: string, b: string): number {
  const rank = (p: string) => {
    const i = fieldOrder.indexOf(p);
    return i < 0 ? fieldOrder.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}
