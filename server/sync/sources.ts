// The directory sources by connection source: settings with their secrets in clear, the source reading a
// scope, Test connection, the default mapping, and how incremental runs work. The one place that knows
// which source reads what (LDAP / Active Directory, Google Workspace, Microsoft Entra ID).
import {
  googleDefaultMapping,
  googleSettingsInput,
  ldapSettingsInput,
  microsoftDefaultMapping,
  microsoftSettingsInput,
  type SyncMapping,
  type SyncScope,
  type SyncSource,
  type SyncTestResult,
} from '#shared/sync.ts';
import { createEntraSource, testEntraConnection, type MicrosoftConnectionSettings } from './entra.source.ts';
import { createGoogleSource, parseServiceAccountKey, testGoogleConnection, type GoogleConnectionSettings } from './google.source.ts';
import { createLdapSource, testLdapConnection, type LdapConnectionSettings } from './ldap.source.ts';
import { defaultMappingFor, mappedAttributes } from './mapping.rules.ts';
import type { DirectorySource } from './source.ts';

export type SourceSettings =
  | { source: 'ldap'; settings: LdapConnectionSettings }
  | { source: 'google'; settings: GoogleConnectionSettings }
  | { source: 'microsoft'; settings: MicrosoftConnectionSettings };

/** Sources a connection run can read (SCIM pushes instead). */
export type ReadableSource = SourceSettings['source'];
export const isReadableSource = (s: SyncSource): s is ReadableSource => s === 'ldap' || s === 'google' || s === 'microsoft';

/** Stored (or draft) settings and the secrets in clear → the settings a source reads with. */
export function sourceSettings(
  source: ReadableSource,
  settings: Record<string, unknown>,
  secrets: Record<string, string | undefined>,
): SourceSettings {
  switch (source) {
    case 'ldap':
      return {
        source,
        settings: { ...ldapSettingsInput.parse({ ...settings, bindPassword: undefined }), bindPassword: secrets.bindPassword ?? null },
      };
    case 'google':
      return {
        source,
        settings: {
          ...googleSettingsInput.parse({ ...settings, serviceAccountKey: undefined }),
          serviceAccountKey: secrets.serviceAccountKey ?? null,
        },
      };
    case 'microsoft':
      return {
        source,
        settings: { ...microsoftSettingsInput.parse({ ...settings, clientSecret: undefined }), clientSecret: secrets.clientSecret ?? null },
      };
  }
}

/** The mapping a connection starts with (and the preview uses when none is given). */
export function defaultMappingOf(s: SourceSettings): SyncMapping {
  if (s.source === 'google') return { ...googleDefaultMapping };
  if (s.source === 'microsoft') return { ...microsoftDefaultMapping };
  return defaultMappingFor(s.settings.idAttribute);
}

/** How incremental runs work: 'none' makes every run read everyone. */
export function incrementalOf(s: SourceSettings): 'none' | 'modifyTimestamp' | 'uSNChanged' | 'delta' {
  if (s.source === 'ldap') return s.settings.incremental;
  if (s.source === 'microsoft') return s.settings.incremental;
  return 'none';
}

/**
 * What the server's network allows a source: whether a cloud source's URLs (Graph, Google, their sign-in
 * services, overridable per connection) may reach loopback, private or link-local addresses. LDAP hosts
 * are not checked: an on-premises directory is on the private network by nature.
 */
export interface SourceNetwork {
  allowPrivateAddresses: boolean;
}

export function openSource(s: SourceSettings, scope: SyncScope, mapping: SyncMapping, net: SourceNetwork): DirectorySource {
  switch (s.source) {
    case 'ldap':
      return createLdapSource({ settings: s.settings, scope, attributes: mappedAttributes(mapping) });
    case 'google':
      return createGoogleSource({ settings: s.settings, scope, ...net });
    case 'microsoft':
      return createEntraSource({ settings: s.settings, scope, attributes: mappedAttributes(mapping), ...net });
  }
}

export function testSource(s: SourceSettings, scope: SyncScope, mapping: SyncMapping, net: SourceNetwork): Promise<SyncTestResult> {
  switch (s.source) {
    case 'ldap':
      return testLdapConnection(s.settings, scope, mappedAttributes(mapping));
    case 'google':
      return testGoogleConnection(s.settings, scope, undefined, net);
    case 'microsoft':
      return testEntraConnection(s.settings, scope, mappedAttributes(mapping), undefined, net);
  }
}

/** A credential the source cannot read without, explained (before any network work). */
export function missingCredential(s: SourceSettings): { code: 'bind'; message: string; field: string } | null {
  if (s.source === 'ldap') {
    if (!s.settings.bindDn || s.settings.bindPassword) return null;
    return {
      code: 'bind',
      message: `No password for the bind DN "${s.settings.bindDn}": enter it (or leave the bind DN empty for an anonymous bind).`,
      field: 'settings.bindPassword',
    };
  }
  if (s.source === 'microsoft') {
    return s.settings.clientSecret
      ? null
      : { code: 'bind', message: 'No client secret: enter a client secret of the app registration.', field: 'settings.clientSecret' };
  }
  const k = parseServiceAccountKey(s.settings.serviceAccountKey);
  return k.ok ? null : { code: 'bind', message: k.message, field: 'settings.serviceAccountKey' };
}
