import { describe, expect, it } from 'vitest';
import { createPasswordHasher, DEFAULT_SCRYPT, parseHash } from './passwords.ts';

const cheap = createPasswordHasher({ params: { N: 1024, r: 8, p: 1 } });

describe('password hashes', () => {
  it('are self-describing: scrypt$N$r$p$salt$hash, with the default cost', async () => {
    const stored = await createPasswordHasher().hash('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(parseHash(stored)?.params).toEqual(DEFAULT_SCRYPT);
    expect(stored).not.toContain('correct horse');
  });

  it('get a fresh random salt each time: one password, two different hashes, both verify', async () => {
    const [a, b] = await Promise.all([cheap.hash('same password'), cheap.hash('same password')]);
    expect(a).not.toBe(b);
    expect(parseHash(a)?.salt.equals(parseHash(b)?.salt as Buffer)).toBe(false);
    await expect(cheap.verify('same password', a)).resolves.toBe(true);
    await expect(cheap.verify('same password', b)).resolves.toBe(true);
  });

  it('refuse a wrong password, one character off or in another case', async () => {
    const stored = await cheap.hash('Password123');
    await expect(cheap.verify('Password124', stored)).resolves.toBe(false);
    await expect(cheap.verify('password123', stored)).resolves.toBe(false);
    await expect(cheap.verify('', stored)).resolves.toBe(false);
  });

  it('verify with the cost written in the hash, so the cost can be raised later', async () => {
    const old = await cheap.hash('still works');
    const stronger = createPasswordHasher({ params: { N: 2048, r: 8, p: 1 } });
    await expect(stronger.verify('still works', old)).resolves.toBe(true);
    expect(await stronger.hash('x'.repeat(8))).toMatch(/^scrypt\$2048\$8\$1\$/);
  });

  it('treat equivalent Unicode spellings of a password alike (NFC)', async () => {
    const stored = await cheap.hash('caf\u00e9-password');
    await expect(cheap.verify('cafe\u0301-password', stored)).resolves.toBe(true);
  });

  it('answer false, not an error, for a malformed or hostile stored hash', async () => {
    const good = await cheap.hash('password1');
    const [, N, r, p, salt, key] = good.split('$');
    const bad = [
      '',
      'password1',
      `bcrypt$${N}$${r}$${p}$${salt}$${key}`,
      `scrypt$1000$${r}$${p}$${salt}$${key}`, // N not a power of two
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${key}`, // a cost that would exhaust memory
      `scrypt$${N}$${r}$${p}$$${key}`,
      `scrypt$${N}$${r}$${p}$${salt}$`,
      `scrypt$${N}$${r}$${p}$${salt}`,
    ];
    for (const stored of bad) await expect(cheap.verify('password1', stored), stored).resolves.toBe(false);
  });

  it('spend a derivation for an unknown user and answer false', async () => {
    let salts = 0;
    const counting = createPasswordHasher({
      params: { N: 1024, r: 8, p: 1 },
      randomBytes: (size) => {
        salts++;
        return Buffer.alloc(size, 7);
      },
    });
    await expect(counting.verifyUnknown('anything at all')).resolves.toBe(false);
    expect(salts).toBe(1);
  });

  it('refuse an unusable cost at construction', () => {
    expect(() => createPasswordHasher({ params: { N: 1000, r: 8, p: 1 } })).toThrow(/power of two/);
    expect(() => createPasswordHasher({ params: { N: 1024, r: 0, p: 1 } })).toThrow(RangeError);
  });
});
