import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiProblem } from './problems.ts';

/**
 * A check of `Authorization: Bearer <key>` against the configured key, in constant time (both
 * sides are hashed first, so neither the length nor a prefix of the key leaks). No key: open.
 */
export function apiKeyCheck(apiKey: string | undefined): (req: IncomingMessage) => void {
  if (apiKey === undefined || apiKey === '') return () => undefined;
  const expected = digest(apiKey);
  return (req) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = digest(match?.[1]?.trim() ?? '');
    if (!timingSafeEqual(given, expected) || !match) {
      throw new ApiProblem(
        401,
        'UNAUTHORIZED',
        'missing or wrong API key: send Authorization: Bearer <USERS_API_KEY>',
        {
          headers: { 'www-authenticate': 'Bearer realm="users-api"' },
        },
      );
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
