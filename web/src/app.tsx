import { lazy, Suspense, useState, type ReactNode } from 'react';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation } from 'react-router';
import { cssVariablesResolver, theme } from './theme.ts';
import { createQueryClient, useMe, usePermissions } from './lib/queries.ts';
import { AppLayout } from './agent/layout/app-layout.tsx';
import { LoginPage } from './agent/auth/login-page.tsx';
import { ContactsPage } from './agent/contacts/contacts-page.tsx';
import { FullPageLoader, PageLoader } from './components/loaders.tsx';
import { ErrorState, NotFoundPage, RouteErrorPage } from './components/error-state.tsx';

// Pages opened less often load on demand, so the first screen (sign-in, contact list) stays small.
const ContactEditPage = lazy(() => import('./agent/contacts/contact-edit-page.tsx'));
const ContactViewPage = lazy(() => import('./agent/contacts/contact-view-page.tsx'));
const TrashPage = lazy(() => import('./agent/contacts/trash-page.tsx'));
const DuplicatesPage = lazy(() => import('./agent/contacts/duplicates-page.tsx'));
const TeamSettingsPage = lazy(() => import('./agent/settings/team-settings-page.tsx'));
const ContactSyncPage = lazy(() => import('./agent/sync/contact-sync-page.tsx'));
const ConnectionEditorPage = lazy(() => import('./agent/sync/connection-editor-page.tsx'));
const SyncActivityPage = lazy(() => import('./agent/sync/sync-activity-page.tsx'));
const MailboxPage = lazy(() => import('./agent/mailbox/mailbox-page.tsx'));
const ImportPage = lazy(() => import('./agent/imports/import-page.tsx'));
const TicketsPage = lazy(() => import('./agent/tickets/tickets-page.tsx'));
const TicketViewPage = lazy(() => import('./agent/tickets/ticket-view-page.tsx'));
const TicketNewPage = lazy(() => import('./agent/tickets/ticket-new-page.tsx'));
const TemplatesPage = lazy(() => import('./agent/tickets/templates-page.tsx'));
const CompaniesPage = lazy(() => import('./agent/companies/companies-page.tsx'));
const CompanyPage = lazy(() => import('./agent/companies/company-page.tsx'));
const FormsPage = lazy(() => import('./agent/forms/forms-page.tsx'));
const FormPage = lazy(() => import('./agent/forms/form-page.tsx'));
const FormBuilderPage = lazy(() => import('./agent/forms/form-builder-page.tsx'));
const MembersPage = lazy(() => import('./agent/admin/members-page.tsx'));
const AccountPage = lazy(() => import('./agent/admin/account-page.tsx'));
const TeamGeneralPage = lazy(() => import('./agent/admin/team-general-page.tsx'));
const LogsPage = lazy(() => import('./agent/admin/logs-page.tsx'));
const AcceptInvitationPage = lazy(() => import('./agent/admin/public-pages.tsx').then((m) => ({ default: m.AcceptInvitationPage })));
const ForgotPasswordPage = lazy(() => import('./agent/admin/public-pages.tsx').then((m) => ({ default: m.ForgotPasswordPage })));
const ResetPasswordPage = lazy(() => import('./agent/admin/public-pages.tsx').then((m) => ({ default: m.ResetPasswordPage })));

const page = (node: ReactNode) => <Suspense fallback={<PageLoader />}>{node}</Suspense>;

/** Signed-in area: waits for /me, sends signed-out visitors to /login?next=<where they were going>. */
function RequireAuth() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <FullPageLoader />;
  if (me.isError) {
    return <ErrorState title="KDesk is not reachable" error={me.error} onRetry={() => void me.refetch()} fullPage />;
  }
  if (!me.data) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <AppLayout />;
}

/** Team Settings and Contact Sync are for owners and admins. */
function RequireManager() {
  const { manageTeam } = usePermissions();
  if (!manageTeam) {
    return (
      <ErrorState
        title="Only owners and admins can open this page"
        message="Members, Team General, Team Settings, Contact Sync, Logs and the Mailbox are for your team's owners and admins. Ask one of them if something needs to change."
      />
    );
  }
  return <Outlet />;
}

const router = createBrowserRouter([
  { path: '/login', element: <LoginPage />, errorElement: <RouteErrorPage /> },
  { path: '/invite/:token', element: page(<AcceptInvitationPage />), errorElement: <RouteErrorPage /> },
  { path: '/forgot-password', element: page(<ForgotPasswordPage />), errorElement: <RouteErrorPage /> },
  { path: '/reset-password/:token', element: page(<ResetPasswordPage />), errorElement: <RouteErrorPage /> },
  {
    path: '/',
    element: <RequireAuth />,
    errorElement: <RouteErrorPage />,
    children: [
      { index: true, element: <Navigate to="/contacts" replace /> },
      { path: 'contacts', element: <ContactsPage /> },
      { path: 'contacts/new', element: page(<ContactEditPage />) },
      { path: 'contacts/trash', element: page(<TrashPage />) },
      { path: 'contacts/duplicates', element: page(<DuplicatesPage />) },
      { path: 'contacts/import', element: page(<ImportPage />) },
      { path: 'contacts/import/:id', element: page(<ImportPage />) },
      { path: 'contacts/:id', element: page(<ContactViewPage />) },
      { path: 'contacts/:id/edit', element: page(<ContactEditPage />) },
      { path: 'tickets', element: page(<TicketsPage />) },
      { path: 'tickets/new', element: page(<TicketNewPage />) },
      { path: 'tickets/templates', element: page(<TemplatesPage />) },
      { path: 'tickets/:id', element: page(<TicketViewPage />) },
      { path: 'companies', element: page(<CompaniesPage />) },
      { path: 'companies/:id', element: page(<CompanyPage />) },
      { path: 'forms', element: page(<FormsPage />) },
      { path: 'forms/:id', element: page(<FormPage />) },
      { path: 'account', element: page(<AccountPage />) },
      {
        element: <RequireManager />,
        children: [
          { path: 'forms/new', element: page(<FormBuilderPage />) },
          { path: 'forms/:id/edit', element: page(<FormBuilderPage />) },
          { path: 'settings', element: page(<TeamSettingsPage />) },
          { path: 'sync', element: page(<ContactSyncPage />) },
          { path: 'sync/new', element: page(<ConnectionEditorPage />) },
          { path: 'sync/:id/edit', element: page(<ConnectionEditorPage />) },
          { path: 'sync/:id/activity', element: page(<SyncActivityPage />) },
          { path: 'mailbox', element: page(<MailboxPage />) },
          { path: 'members', element: page(<MembersPage />) },
          { path: 'team', element: page(<TeamGeneralPage />) },
          { path: 'logs', element: page(<LogsPage />) },
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="light">
      <Notifications position="bottom-right" limit={4} />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
