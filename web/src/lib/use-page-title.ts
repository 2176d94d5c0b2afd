import { useDocumentTitle } from '@mantine/hooks';

/** Sets the browser tab title: "<page> · KDesk". */
export function usePageTitle(title: string | null | undefined) {
  useDocumentTitle(title ? `${title} · KDesk` : 'KDesk');
}
