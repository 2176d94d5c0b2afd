// The server key (KDESK_SECRET_KEY): encrypts stored secrets (AES-256-GCM) and keys the hashes of
// sign-in codes (HMAC), each use with its own subkey (HKDF). Without the variable the key is generated
// once into the data dir, like the embedded PostgreSQL's password. Instances sharing one database must
// share the key (set KDESK_SECRET_KEY), or they cannot read each other's secrets.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type KeyPurpose = 'secrets' | 'portal-codes';

export function parseSecretKey(value: string, source: string): Buffer {
  const v = value.trim();
  const key = /^[0-9a-f]{64}$/i.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  if (key.length !== 32) {
    throw new Error(`${source} must be 32 random bytes as 64 hex characters or base64 (e.g. \`openssl rand -hex 32\`)`);
  }
  return key;
}

function loadOrCreate(dataDir: string): Buffer {
  const file = path.resolve(dataDir, 'secret-key');
  try {
    return parseSecretKey(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    // 'wx': when several processes start at once, one writes and the others read its key
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseSecretKey(readFileSync(file, 'utf8'), file);
}

export function createKeyring(opts: { secretKey: string | null; dataDir: string }) {
  let master: Buffer | null = null;
  const subkeys = new Map<KeyPurpose, Buffer>();
  const root = () => (master ??= opts.secretKey ? parseSecretKey(opts.secretKey, 'KDESK_SECRET_KEY') : loadOrCreate(opts.dataDir));
  const key = (purpose: KeyPurpose) => {
    let k = subkeys.get(purpose);
    if (!k) subkeys.set(purpose, (k = Buffer.from(hkdfSync('sha256', root(), Buffer.alloc(0), `kdesk:${purpose}`, 32))));
    return k;
  };

  return {
    /** Loads (or creates) the key now, so a bad KDESK_SECRET_KEY stops the start instead of a later request. */
    check() {
      root();
    },
    /** `v1.<iv>.<ciphertext>.<tag>`; `context` is authenticated, so a value cannot be moved to another row. */
    encrypt(plaintext: string, context: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key('secrets'), iv);
      cipher.setAAD(Buffer.from(context));
      const enc = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), enc.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    decrypt(value: string, context: string): string {
      const [v, iv, enc, tag] = value.split('.');
      if (v !== 'v1' || !iv || enc === undefined || !tag) throw new Error('Not a value this server encrypted');
      const decipher = createDecipheriv('aes-256-gcm', key('secrets'), Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(enc, 'base64url')), decipher.final()]).toString('utf8');
    },
    hmac(purpose: KeyPurpose, data: string): string {
      return createHmac('sha256', key(purpose)).update(data).digest('base64url');
    },
  };
}
export type Keyring = ReturnType<typeof createKeyring>;
