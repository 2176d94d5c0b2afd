// Team administration and the first hour: members, invitations, Account, password reset, Team > General,
// SSO set-up and Team > Logs. Types come from the server's schemas (type-only).
import type { AuditEntry, AuditPage } from '#shared/audit.schema.ts';
import type { Invitation, InvitationPreview, Me, Member, MemberPatch, Role } from '#shared/member.schema.ts';
import type { SsoConfigInput, SsoConfigs } from '#shared/portal.schema.ts';
import type { Team, TeamPatch } from '#shared/team.schema.ts';
import { request } from '../../lib/api.ts';

export type { AuditEntry, Invitation, InvitationPreview, Member, Role, SsoConfigs, Team };
export interface ApiToken {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}
export interface AuditFilters {
  actorId?: string;
  entityType?: string;
  action?: string;
  from?: string;
  to?: string;
}
const enc = encodeURIComponent;

export const adminKeys = {
  members: ['admin', 'members'] as const,
  invitations: ['admin', 'invitations'] as const,
  tokens: (memberId: string | 'me') => ['admin', 'tokens', memberId] as const,
  team: ['admin', 'team'] as const,
  sso: ['admin', 'sso'] as const,
  audit: (f: AuditFilters) => ['admin', 'audit', f] as const,
  auditKinds: ['admin', 'audit-kinds'] as const,
};

export const adminApi = {
  members: () => request<{ items: Member[] }>('GET', '/api/v1/members'),
  updateMember: (id: string, patch: MemberPatch) => request<Member>('PATCH', `/api/v1/members/${enc(id)}`, { body: patch }),
  removeMember: (id: string) => request<void>('DELETE', `/api/v1/members/${enc(id)}`),
  invitations: () => request<{ items: Invitation[] }>('GET', '/api/v1/members/invitations'),
  invite: (body: { email: string; role: Role; permissions?: Partial<Member['permissions']> }) =>
    request<Invitation>('POST', '/api/v1/members/invitations', { body }),
  resendInvitation: (id: string) => request<Invitation>('POST', `/api/v1/members/invitations/${enc(id)}/resend`),
  revokeInvitation: (id: string) => request<void>('DELETE', `/api/v1/members/invitations/${enc(id)}`),
  invitationPreview: (token: string) => request<InvitationPreview>('GET', `/api/v1/invitations/${enc(token)}`),
  acceptInvitation: (token: string, body: { name: string; password: string }) =>
    request<Me>('POST', `/api/v1/invitations/${enc(token)}/accept`, { body }),

  updateMe: (name: string | null) => request<Member>('PATCH', '/api/v1/me', { body: { name } }),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>('POST', '/api/v1/auth/password', { body: { currentPassword, newPassword } }),
  myTokens: () => request<{ items: ApiToken[] }>('GET', '/api/v1/tokens'),
  createToken: (name: string) => request<ApiToken & { token: string }>('POST', '/api/v1/tokens', { body: { name } }),
  revokeMyToken: (id: string) => request<void>('DELETE', `/api/v1/tokens/${enc(id)}`),
  memberTokens: (memberId: string) => request<{ items: ApiToken[] }>('GET', `/api/v1/members/${enc(memberId)}/tokens`),
  revokeMemberToken: (memberId: string, id: string) => request<void>('DELETE', `/api/v1/members/${enc(memberId)}/tokens/${enc(id)}`),

  askReset: (email: string) => request<{ message: string }>('POST', '/api/v1/auth/password-reset', { body: { email } }),
  checkReset: (token: string) => request<{ email: string }>('GET', `/api/v1/auth/password-reset/${enc(token)}`),
  completeReset: (token: string, password: string) =>
    request<Me>('POST', `/api/v1/auth/password-reset/${enc(token)}`, { body: { password } }),

  team: () => request<Team>('GET', '/api/v1/team'),
  updateTeam: (patch: TeamPatch) => request<Team>('PATCH', '/api/v1/team', { body: patch }),
  sso: () => request<SsoConfigs>('GET', '/api/v1/portal/sso'),
  putSso: (provider: 'google' | 'microsoft', body: SsoConfigInput) =>
    request<NonNullable<SsoConfigs['google']>>('PUT', `/api/v1/portal/sso/${provider}`, { body }),

  audit: (f: AuditFilters, cursor?: string | null) =>
    request<AuditPage>('GET', '/api/v1/audit', { query: { ...f, cursor: cursor ?? undefined, limit: 50 } }),
  auditKinds: () => request<{ items: { entityType: string; action: string }[] }>('GET', '/api/v1/audit/kinds'),
  auditCsv: (f: AuditFilters) => {
    const qs = new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]).toString();
    return `/api/v1/audit/export.csv${qs ? `?${qs}` : ''}`;
  },
};
