import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuthError, type Authenticator, jwtAuthenticator, subjectOf } from './auth.ts';

describe('subjectOf', () => {
  it.each<[string, JWTPayload, string]>([
    ['sub', { sub: 'agent-7', client_id: 'app', azp: 'web' }, 'agent-7'],
    ['client_id without a sub', { client_id: 'app', azp: 'web' }, 'app'],
    ['azp alone', { azp: 'web' }, 'web'],
  ])('names the caller by %s', (_case, payload, expected) => {
    expect(subjectOf(payload)).toBe(expected);
  });

  it.each<[string, JWTPayload, RegExp]>([
    ['no claim at all', { scope: 'users:read' }, /has no sub, client_id or azp claim/],
    ['a numeric sub', { sub: 42 as unknown as string }, /has a sub that is not a non-empty string/],
    ['an empty sub', { sub: '' }, /has a sub that is not a non-empty string/],
    // a present but unusable sub is not replaced by a shared client id
    ['a null sub beside a client id', { sub: null as unknown as string, client_id: 'app' }, /a sub that/],
    ['an object client_id', { client_id: { id: 'x' } }, /has a client_id that/],
    ['an array azp', { azp: ['a'] }, /has a azp that/],
  ])('refuses %s', (_case, payload, message) => {
    let thrown: unknown;
    try {
      subjectOf(payload);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AuthError);
    expect((thrown as AuthError).oauthError).toBe('invalid_token');
    expect((thrown as AuthError).message).toMatch(message);
  });
});

describe('jwtAuthenticator', () => {
  const req = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as never;
  let auth: Authenticator;
  let sign: (claims: JWTPayload) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' };
    auth = jwtAuthenticator({
      jwksUrl: 'http://unused.test/jwks',
      audience: 'aud',
      keySet: createLocalJWKSet({ keys: [jwk] }),
    });
    sign = (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k' })
        .setAudience('aud')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
  });

  it('refuses a validly signed token that names no one, every time', async () => {
    const token = await sign({ scope: 'users:read users:write' });
    for (let i = 0; i < 2; i++) {
      await expect(Promise.resolve().then(() => auth.authenticate(req(token)))).rejects.toMatchObject({
        name: 'AuthError',
        oauthError: 'invalid_token',
        message: 'invalid token: it has no sub, client_id or azp claim to identify the caller',
      });
    }
  });

  it('tells callers apart by client_id when a token has no sub', async () => {
    const a = await auth.authenticate(req(await sign({ client_id: 'app-a' })));
    const b = await auth.authenticate(req(await sign({ client_id: 'app-b' })));
    expect([a.clientId, b.clientId]).toEqual(['app-a', 'app-b']);
  });
});
