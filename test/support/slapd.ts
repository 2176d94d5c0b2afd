// A private, real OpenLDAP slapd for the LDAP/Active Directory sync tests and the sync benchmark (Debian packages
// `slapd` and `ldap-utils`). `startSlapd()` writes a slapd.conf and an mdb database in a temporary directory, loads
// a generated directory (directory-ldif.ts) with `slapadd -q` (fast: 100,000 users in seconds, no server round
// trips), starts `/usr/sbin/slapd` in the foreground on a free 127.0.0.1 port and waits until it answers a bind.
//
// slapd runs under a small shell that holds a pipe from this process: when the pipe closes (stop(), or this
// process exits or is killed), the shell stops slapd and removes the temporary directory, so no slapd outlives its
// test run.
//
// Schemas: core, cosine, inetorgperson and an Active Directory schema. Debian's msuser.schema defines the AD
// attributes without matching rules (objectGUID, sAMAccountName, userAccountControl, uSNChanged…: an equality or
// `>=` filter on them matches nothing) and has no class allowing sAMAccountName on a user. So by default the
// directory uses a small test schema with the same names and OIDs as AD (kdesk-ad.schema below) and matching
// rules, which lets a client filter by objectGUID or ask for `(uSNChanged>=N)`. `adSchema: 'msuser'` loads the
// stock msuser.schema instead (plus nis.schema, which it needs, and an auxiliary class for what it lacks); the
// same LDIF loads into both.
//
// Not like AD: slapd does not serve ranged attribute retrieval (`member;range=0-1499`): a big group's `member`
// comes back whole; uSNChanged is not maintained by slapd: changeAdUsers(), deleteEntries() and recreateAdUser()
// bump it and restart slapd so that the root DSE's highestCommittedUSN (read from a file) shows it; entry DNs come back in slapd's normal form
// (`cn=Lee\2C Ana 25,ou=Staff,…`) while DN-valued attributes (manager, member) come back as written
// (`CN=Lee\, Ana 25,OU=Staff,…`): match them as DNs (RFC 4514), not as strings. ldapts mangles `\xx` escapes of bytes
// over 0x7f in a filter string: filter on a binary value (objectGUID) with `new EqualityFilter({ value: Buffer })`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { Client } from 'ldapts';
import {
  adGuidText,
  adUser,
  adUserEntry,
  deleteLdif,
  entryToLdif,
  groupsDn,
  modifyLdif,
  peopleDn,
  resolveDirectoryOptions,
  staffDn,
  writeDirectoryLdif,
  type DirectoryOptions,
  type DirectorySummary,
  type LdapValue,
  type Resolved,
} from './directory-ldif.ts';

export const SLAPD_BIN = process.env.KDESK_SLAPD ?? '/usr/sbin/slapd';
export const SLAPADD_BIN = process.env.KDESK_SLAPADD ?? '/usr/sbin/slapadd';
export const SCHEMA_DIR = process.env.KDESK_LDAP_SCHEMA_DIR ?? '/etc/ldap/schema';
const MODULE_DIR = process.env.KDESK_SLAPD_MODULES ?? '/usr/lib/ldap';

/** Why the LDAP suites cannot run here (null: they can): slapd, slapadd or ldapmodify missing. */
export function slapdMissing(): string | null {
  for (const bin of [SLAPD_BIN, SLAPADD_BIN])
    if (!existsSync(bin)) return `${bin} not found (install the Debian packages slapd ldap-utils)`;
  if (spawnSync('ldapmodify', ['-VV'], { stdio: 'ignore' }).error) return 'ldapmodify not found (install the Debian package ldap-utils)';
  return null;
}

export interface SlapdOptions {
  directory?: DirectoryOptions;
  /** LDIF content records loaded after the generated directory (by slapadd, before the server starts). */
  extraLdif?: string;
  /** 'kdesk-ad' (default): AD names and OIDs with matching rules; 'msuser': Debian's msuser.schema. */
  adSchema?: 'kdesk-ad' | 'msuser';
  rootPassword?: string;
  /**
   * Also like a domain controller's: a root DSE dsServiceName naming a DSA object that holds an invocationId (an
   * incremental uSNChanged watermark is then tied to it). Default false. highestCommittedUSN is always there.
   */
  domainController?: boolean;
  /** where the temporary directory goes (default the OS's) */
  tmpDir?: string;
}

export interface Slapd {
  url: string;
  port: number;
  /** the rootdn: no size or time limit */
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  /** OU=Staff: the AD-like users */
  usersDn: string;
  /** ou=People: the OpenLDAP inetOrgPerson users */
  peopleDn: string;
  groupsDn: string;
  options: Resolved;
  summary: DirectorySummary;
  /** milliseconds slapadd took to load the directory */
  loadMs: number;
  /** the temporary directory (config, data, the LDIF) */
  dir: string;
  /** Applies LDIF change records (changetype: add|modify|delete|modrdn) with ldapmodify; throws with its message. */
  modify(ldif: string): Promise<void>;
  /** Replaces (value) or removes (null) attributes of AD users; bumps their uSNChanged and whenChanged like AD does. */
  changeAdUsers(indices: number[], changes: (i: number) => Record<string, LdapValue | LdapValue[] | null>): Promise<void>;
  /** Deletes entries by DN. */
  deleteEntries(dns: string[]): Promise<void>;
  /** Deletes AD user i and adds it again as a new object: same DN and attributes, a new objectGUID and SID. */
  recreateAdUser(i: number, generation?: number): Promise<void>;
  /**
   * The highest uSNChanged handed out so far: the root DSE's highestCommittedUSN (the AD helpers above restart
   * slapd after their change so that it shows the new value; a raw modify() does not).
   */
  highestUsn(): number;
  /** The root DSE's dsServiceName: the DSA object holding `invocationId` (null unless `domainController`). */
  dsServiceName: string | null;
  /** The DSA's invocationId as GUID text (null unless `domainController`). */
  invocationId: string | null;
  /** Restarts slapd on the same port with the same data (open connections are dropped). */
  restart(): Promise<void>;
  /** A bound ldapts client (the caller unbinds it). */
  client(): Promise<Client>;
  stop(): Promise<void>;
}

const AD_TEST_SCHEMA = `# Active Directory's names and OIDs (from msuser.schema) with matching rules, for tests against slapd.
attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID' EQUALITY octetStringMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.146 NAME 'objectSid' EQUALITY octetStringMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch ORDERING integerOrderingMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.120 NAME 'uSNChanged' EQUALITY integerMatch ORDERING integerOrderingMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.19 NAME 'uSNCreated' EQUALITY integerMatch ORDERING integerOrderingMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.3 NAME 'whenChanged' EQUALITY generalizedTimeMatch ORDERING generalizedTimeOrderingMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.24 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.2 NAME 'whenCreated' EQUALITY generalizedTimeMatch ORDERING generalizedTimeOrderingMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.24 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.1 NAME 'instanceType' EQUALITY integerMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.782 NAME 'objectCategory' EQUALITY distinguishedNameMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.281 NAME 'nTSecurityDescriptor' EQUALITY octetStringMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.750 NAME 'groupType' EQUALITY integerMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.141 NAME 'department' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.146 NAME 'company' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.102 NAME 'memberOf' EQUALITY distinguishedNameMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
attributetype ( 1.2.840.113556.1.2.115 NAME 'invocationId' EQUALITY octetStringMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
# root DSE attributes of a domain controller (AD constructs them; here they come from slapd's rootDSE file)
attributetype ( 1.3.6.1.4.1.4203.666.11.99.2.1 NAME 'highestCommittedUSN' EQUALITY integerMatch
  ORDERING integerOrderingMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.4203.666.11.99.2.2 NAME 'dsServiceName' EQUALITY distinguishedNameMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 SINGLE-VALUE )
objectclass ( 1.2.840.113556.1.5.7000.47 NAME 'nTDSDSA' SUP top STRUCTURAL MUST cn MAY invocationId )
objectclass ( 1.2.840.113556.1.5.0 NAME 'mstop' SUP top ABSTRACT
  MAY ( cn $ description $ displayName $ objectGUID $ uSNChanged $ uSNCreated $ whenChanged $ whenCreated
    $ instanceType $ objectCategory $ nTSecurityDescriptor $ memberOf ) )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' SUP ( mstop $ organizationalPerson ) STRUCTURAL
  MAY ( givenName $ initials $ displayName $ userAccountControl $ userPrincipalName $ mail $ manager $ mobile
    $ homePhone $ pager $ co $ department $ company $ employeeNumber $ employeeType $ uid $ o ) )
objectclass ( 1.2.840.113556.1.5.8 NAME 'group' SUP mstop STRUCTURAL
  MUST groupType MAY ( member $ mail ) )
objectclass ( 1.2.840.113556.1.5.6 NAME 'securityPrincipal' SUP top AUXILIARY
  MAY ( objectSid $ sAMAccountName ) )
`;

// msuser.schema's user class has no sAMAccountName (AD puts it in the securityPrincipal auxiliary class), and
// no co, department, company
const MSUSER_EXTRAS = `objectclass ( 1.2.840.113556.1.5.6 NAME 'securityPrincipal' SUP top AUXILIARY
  MAY ( objectSid $ sAMAccountName $ co $ department $ company ) )
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out = (out + String(d)).slice(-20_000)));
    p.stderr.on('data', (d) => (out = (out + String(d)).slice(-20_000)));
    p.once('error', reject);
    p.once('close', (code) => resolve({ code: code ?? -1, out }));
    p.stdin.end(input ?? '');
  });
}

// holds slapd; a line "restart" on its stdin restarts slapd (same port, same data); when its stdin closes
// (stop(), or this process ends), it stops slapd and removes the directory
const KEEPER = `while :; do
  "$1" -f "$2" -h "$3" -d 0 </dev/null &
  p=$!
  echo "slapd-pid $p"
  cmd=
  read cmd || cmd=
  kill "$p" 2>/dev/null
  wait "$p" 2>/dev/null
  [ "$cmd" = restart ] || break
done
rm -rf "$4"
`;

export async function startSlapd(opts: SlapdOptions = {}): Promise<Slapd> {
  const missing = slapdMissing();
  if (missing) throw new Error(`cannot start slapd: ${missing}`);
  const o = resolveDirectoryOptions(opts.directory);
  const bindDn = `cn=admin,${o.baseDn}`;
  const bindPassword = opts.rootPassword ?? 'kdesk-test-secret';
  const dir = await mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'kdesk-slapd-'));
  try {
    await mkdir(path.join(dir, 'db'));
    const adSchema = opts.adSchema ?? 'kdesk-ad';
    const schemas = [`${SCHEMA_DIR}/core.schema`, `${SCHEMA_DIR}/cosine.schema`, `${SCHEMA_DIR}/inetorgperson.schema`];
    if (adSchema === 'msuser') {
      await writeFile(path.join(dir, 'msuser-extras.schema'), MSUSER_EXTRAS);
      schemas.push(`${SCHEMA_DIR}/nis.schema`, `${SCHEMA_DIR}/msuser.schema`, path.join(dir, 'msuser-extras.schema'));
    } else {
      await writeFile(path.join(dir, 'kdesk-ad.schema'), AD_TEST_SCHEMA);
      schemas.push(path.join(dir, 'kdesk-ad.schema'));
    }
    const filterable = adSchema === 'msuser' ? '' : ',objectGUID,sAMAccountName,uSNChanged';
    // like a domain controller: highestCommittedUSN and dsServiceName in the root DSE, the DSA's invocationId
    const adLike = adSchema === 'kdesk-ad';
    const dcOu = `OU=Domain Controllers,${o.baseDn}`;
    const dsServiceName = `CN=NTDS Settings,${dcOu}`;
    const invocationId = createHash('sha256').update(`invocation:${o.seed}`).digest().subarray(0, 16);
    const rootDse = path.join(dir, 'rootdse.ldif');
    let usn = 10_000 + o.adUsers;
    const dc = adLike && !!opts.domainController;
    const writeRootDse = () => writeFile(rootDse, `dn:\nhighestCommittedUSN: ${usn}\n${dc ? `dsServiceName: ${dsServiceName}\n` : ''}`);
    if (adLike) await writeRootDse();
    const conf = path.join(dir, 'slapd.conf');
    await writeFile(
      conf,
      [
        ...schemas.map((s) => `include ${s}`),
        ...(adLike ? [`rootDSE ${rootDse}`] : []),
        `pidfile ${dir}/slapd.pid`,
        `argsfile ${dir}/slapd.args`,
        `modulepath ${MODULE_DIR}`,
        'moduleload back_mdb',
        'tool-threads 2',
        // anyone but the rootdn: 500 entries a search unless paged (as AD's MaxPageSize 1,000 limits clients)
        'sizelimit 500',
        'database mdb',
        `suffix "${o.baseDn}"`,
        `rootdn "${bindDn}"`,
        `rootpw ${bindPassword}`,
        `directory ${dir}/db`,
        'maxsize 17179869184',
        'dbnosync',
        `index objectClass,entryUUID,uid,mail,member,manager${filterable} eq`,
        'index modifyTimestamp eq',
        `limits dn.exact="${bindDn}" size=unlimited time=unlimited`,
        'limits users size.soft=500 size.hard=unlimited size.pr=1000 size.prtotal=unlimited',
        'access to * by users read by anonymous auth',
        '',
      ].join('\n'),
    );
    const ldif = path.join(dir, 'directory.ldif');
    const summary = await writeDirectoryLdif(ldif, o);
    const t0 = performance.now();
    const load = await run(SLAPADD_BIN, ['-q', '-f', conf, '-l', ldif]);
    if (load.code !== 0) throw new Error(`slapadd failed (${load.code}): ${load.out}`);
    const extraLdif =
      (dc
        ? entryToLdif({
            dn: dcOu,
            attributes: [
              ['objectClass', ['top', 'organizationalUnit']],
              ['ou', 'Domain Controllers'],
            ],
          }) +
          entryToLdif({
            dn: dsServiceName,
            attributes: [
              ['objectClass', ['top', 'nTDSDSA']],
              ['cn', 'NTDS Settings'],
              ['invocationId', invocationId],
            ],
          })
        : '') + (opts.extraLdif ?? '');
    if (extraLdif) {
      await writeFile(path.join(dir, 'extra.ldif'), extraLdif);
      const extra = await run(SLAPADD_BIN, ['-q', '-f', conf, '-l', path.join(dir, 'extra.ldif')]);
      if (extra.code !== 0) throw new Error(`slapadd of extraLdif failed (${extra.code}): ${extra.out}`);
    }
    const loadMs = performance.now() - t0;
    await rm(ldif, { force: true });

    let keeper: ChildProcess | null = null;
    let url = '';
    let port = 0;
    let log = '';
    for (let attempt = 0; attempt < 5 && !keeper; attempt++) {
      port = await freePort();
      url = `ldap://127.0.0.1:${port}/`;
      const k = spawn('sh', ['-c', KEEPER, 'slapd-keeper', SLAPD_BIN, conf, url, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
      log = '';
      k.stdout!.on('data', (d) => (log = (log + String(d)).slice(-20_000)));
      k.stderr!.on('data', (d) => (log = (log + String(d)).slice(-20_000)));
      const exited = once(k, 'exit');
      if (await waitForBind(url, bindDn, bindPassword, exited)) keeper = k;
      else if (k.exitCode === null) {
        k.stdin!.end();
        await exited;
      }
    }
    if (!keeper) throw new Error(`slapd did not start: ${log}`);
    const slapdPids = () => [...log.matchAll(/slapd-pid (\d+)/g)].map((m) => Number(m[1]));
    let slapdPid = slapdPids().at(-1) ?? null;
    const onExit = () => {
      if (slapdPid) {
        try {
          process.kill(slapdPid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    };
    process.once('exit', onExit);
    keeper.stdin!.on('error', () => {});
    const k = keeper;

    const modify = async (text: string) => {
      const r = await run('ldapmodify', ['-x', '-H', url, '-D', bindDn, '-w', bindPassword], text);
      if (r.code !== 0) throw new Error(`ldapmodify failed (${r.code}): ${r.out}`);
    };
    const restart = async () => {
      const before = slapdPids().length;
      k.stdin!.write('restart\n');
      const deadline = Date.now() + 30_000;
      while (slapdPids().length === before) {
        if (k.exitCode !== null || Date.now() > deadline) throw new Error(`slapd did not restart: ${log}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      slapdPid = slapdPids().at(-1) ?? null;
      if (!(await waitForBind(url, bindDn, bindPassword, once(k, 'exit')))) throw new Error(`slapd did not come back: ${log}`);
    };
    // AD's highestCommittedUSN moves with every change; slapd reads its root DSE file when it starts
    const publishUsn = async () => {
      if (!adLike) return;
      await writeRootDse();
      await restart();
    };
    const whenNow = () => `${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}.0Z`;

    return {
      url,
      port,
      bindDn,
      bindPassword,
      baseDn: o.baseDn,
      usersDn: staffDn(o),
      peopleDn: peopleDn(o),
      groupsDn: groupsDn(o),
      options: o,
      summary,
      loadMs,
      dir,
      modify,
      async changeAdUsers(indices, changes) {
        const when = whenNow();
        let text = '';
        for (const i of indices) {
          text += modifyLdif(adUser(o, i).dn, { ...changes(i), uSNChanged: String(++usn), whenChanged: when });
          if (text.length > 1 << 20) {
            await modify(text);
            text = '';
          }
        }
        if (text) await modify(text);
        await publishUsn();
      },
      async deleteEntries(dns) {
        if (!dns.length) return;
        await modify(dns.map(deleteLdif).join(''));
        usn += dns.length;
        await publishUsn();
      },
      async recreateAdUser(i, generation = 1) {
        const e = adUserEntry(o, i, generation);
        const stamp = String(++usn);
        for (const a of e.attributes) if (a[0] === 'uSNChanged' || a[0] === 'uSNCreated') a[1] = stamp;
        await modify(deleteLdif(e.dn) + entryToLdif(e, true));
        await publishUsn();
      },
      highestUsn: () => usn,
      dsServiceName: dc ? dsServiceName : null,
      invocationId: dc ? adGuidText(invocationId) : null,
      restart,
      async client() {
        const c = new Client({ url, timeout: 30_000, connectTimeout: 5_000 });
        await c.bind(bindDn, bindPassword);
        return c;
      },
      async stop() {
        process.removeListener('exit', onExit);
        if (k.exitCode !== null || k.signalCode !== null) return;
        const exited = once(k, 'exit');
        k.stdin!.end();
        await exited;
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The LDAP settings of a connection to this directory: its AD-like users (objectGUID) or OpenLDAP people (entryUUID). */
export function ldapSettingsFor(s: Slapd, kind: 'ad' | 'openldap' = 'ad') {
  return {
    url: s.url,
    bindDn: s.bindDn,
    bindPassword: s.bindPassword,
    baseDn: kind === 'ad' ? s.usersDn : s.peopleDn,
    userFilter: kind === 'ad' ? '(objectClass=user)' : '(objectClass=inetOrgPerson)',
    idAttribute: kind === 'ad' ? 'objectGUID' : 'entryUUID',
  };
}

/** An ldap:// URL on a loopback port nothing listens on (for "cannot reach the directory"). */
export async function unreachableLdapUrl(): Promise<string> {
  return `ldap://127.0.0.1:${await freePort()}/`;
}

async function waitForBind(url: string, dn: string, password: string, exited: Promise<unknown>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  while (!gone && Date.now() < deadline) {
    const c = new Client({ url, timeout: 2_000, connectTimeout: 1_000 });
    try {
      await c.bind(dn, password);
      await c.unbind();
      return true;
    } catch {
      await c.unbind().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

/** Reads a file the tests may want to show when slapd misbehaves. */
export const readSlapdConf = (s: Slapd) => readFile(path.join(s.dir, 'slapd.conf'), 'utf8');
