import { Badge } from '@mantine/core';
import { priorityColors, priorityLabels, statusColors, statusLabels, type TicketPriority, type TicketStatus } from './tickets-api.ts';

export function StatusBadge(props: { status: TicketStatus }) {
  return (
    <Badge variant="light" color={statusColors[props.status]} radius="sm" style={{ flexShrink: 0, overflow: 'visible' }}>
      {statusLabels[props.status]}
    </Badge>
  );
}

export function PriorityBadge(props: { priority: TicketPriority }) {
  return (
    <Badge variant="outline" color={priorityColors[props.priority]} radius="sm" style={{ flexShrink: 0 }}>
      {priorityLabels[props.priority]}
    </Badge>
  );
}
