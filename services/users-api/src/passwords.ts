import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost: N (CPU/memory, a power of two), r (block size), p (parallelism). */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** About 90 ms and 32 MiB per hash on a 2024 laptop core; raise N as hardware gets faster. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 32_768, r: 8, p: 1 };

const KEY_BYTES = 32;
const SALT_BYTES = 16;

export interface PasswordHasher {
  /** `scrypt$N$r$p$salt$hash` (salt and hash in base64url), with a fresh random salt. */
  hash(password: string): Promise<string>;
  /** Whether `password` matches a stored hash, compared in constant time; false for a malformed hash. */
  verify(password: string, stored: string): Promise<boolean>;
  /** Spends what `verify` spends and answers false: for an unknown user, so timing tells nothing. */
  verifyUnknown(password: string): Promise<false>;
}

export interface PasswordHasherOptions {
  /** Cost of new hashes; verification reads the cost from each stored hash. */
  params?: ScryptParams;
  /** Salt source (tests may fix it). */
  randomBytes?: (size: number) => Buffer;
}

/**
 * Salted scrypt hashes in a self-describing format, so the cost can be raised later and old
 * hashes still verify: `scrypt$32768$8$1$<salt>$<hash>`.
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const params = options.params ?? DEFAULT_SCRYPT;
  checkParams(params);
  const random = options.randomBytes ?? randomBytes;
  return {
    async hash(password) {
      const salt = random(SALT_BYTES);
      const key = await derive(password, salt, params, KEY_BYTES);
      return [
        'scrypt',
        params.N,
        params.r,
        params.p,
        salt.toString('base64url'),
        key.toString('base64url'),
      ].join('$');
    },
    async verify(password, stored) {
      const parsed = parseHash(stored);
      if (!parsed) return false;
      const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
      return timingSafeEqual(key, parsed.key);
    },
    async verifyUnknown(password) {
      const key = await derive(password, random(SALT_BYTES), params, KEY_BYTES);
      timingSafeEqual(key, Buffer.alloc(KEY_BYTES));
      return false;
    },
  };
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

export function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^\d{1,9}$/.test(part) ? Number(part) : Number.NaN));
  const params = { N: N ?? Number.NaN, r: r ?? Number.NaN, p: p ?? Number.NaN };
  if (!validParams(params)) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const key = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length < 8 || key.length < 16 || key.length > 64) return undefined;
  return { params, salt, key };
}

function validParams({ N, r, p }: ScryptParams): boolean {
  const powerOfTwo = Number.isInteger(N) && N >= 2 && (N & (N - 1)) === 0;
  return (
    powerOfTwo &&
    N <= 2 ** 20 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= 16
  );
}

function checkParams(params: ScryptParams): void {
  if (!validParams(params)) {
    throw new RangeError(
      `scrypt parameters must be N a power of two up to 2^20, r 1-32, p 1-16; got N=${params.N} r=${params.r} p=${params.p}`,
    );
  }
}

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  // scrypt needs about 128 * N * r bytes; allow twice that so a valid cost is never refused
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
