import { Anchor, Breadcrumbs, Text } from '@mantine/core';
import { Link } from 'react-router';

/** Contacts › <name> [› <current>] */
export function ContactBreadcrumbs(props: { name?: string; id?: string; current?: string }) {
  const items = [
    <Anchor key="contacts" component={Link} to="/contacts" size="sm">
      Contacts
    </Anchor>,
  ];
  if (props.name && props.current && props.id) {
    items.push(
      <Anchor key="name" component={Link} to={`/contacts/${props.id}`} size="sm" lineClamp={1}>
        {props.name}
      </Anchor>,
    );
  }
  const last = props.current ?? props.name;
  if (last) {
    items.push(
      <Text key="current" size="sm" c="dimmed" aria-current="page" lineClamp={1}>
        {last}
      </Text>,
    );
  }
  return (
    <nav aria-label="Breadcrumb">
      <Breadcrumbs separatorMargin={6}>{items}</Breadcrumbs>
    </nav>
  );
}
