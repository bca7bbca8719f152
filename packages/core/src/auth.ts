import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { CallerIdentity } from './server.ts';

/** Why a request was not authenticated; the message goes back in the 401 (never a secret). */
export class AuthError extends Error {
  /** `invalid_token` when a token was presented and refused; absent when none was sent. */
  readonly oauthError: 'invalid_token' | 'invalid_request' | undefined;

  constructor(message: string, oauthError?: 'invalid_token' | 'invalid_request') {
    super(message);
    this.name = 'AuthError';
    this.oauthError = oauthError;
  }
}

/** Inbound auth for HTTP: who the caller is, or an `AuthError`. */
export interface Authenticator {
  readonly kind: 'api-key' | 'jwt';
  /** Synchronous where it can be (API keys), so the hot path pays no promise. */
  authenticate(req: IncomingMessage): CallerIdentity | Promise<CallerIdentity>;
  /** Issuers to list in the protected-resource metadata. */
  readonly authorizationServers: ReadonlyArray<string>;
}

/** Every scope: what a key listed with no scopes holds. */
export const ALL_SCOPES = '*';

interface ApiKey {
  id: string;
  digest: Buffer;
  scopes: string[];
}

/**
 * Parses `MCP_API_KEYS` entries: `id:secret` (every scope) or `id:secret:scope scope…`. Only a
 * digest of each secret is kept. A malformed entry throws, naming its position, never the secret.
 */
export function parseApiKeys(entries: ReadonlyArray<string>): ApiKey[] {
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const [id = '', secret = '', scopeText] = splitEntry(entry);
    const where = `MCP_API_KEYS entry ${index + 1}${id ? ` (${id})` : ''}`;
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id))
      throw new Error(`${where}: the id must be 1-64 of A-Z a-z 0-9 _ . -`);
    if (secret.length < 16) throw new Error(`${where}: the secret must be at least 16 characters`);
    if (seen.has(id)) throw new Error(`${where}: the id is used twice`);
    seen.add(id);
    const scopes = scopeText?.trim() ? scopeText.trim().split(/\s+/) : [ALL_SCOPES];
    return { id, digest: digest(secret), scopes };
  });
}

function splitEntry(entry: string): string[] {
  const first = entry.indexOf(':');
  if (first < 0) return [entry];
  const second = entry.indexOf(':', first + 1);
  if (second < 0) return [entry.slice(0, first), entry.slice(first + 1)];
  return [entry.slice(0, first), entry.slice(first + 1, second), entry.slice(second + 1)];
}

function digest(secret: string): Buffer {
  // the one-shot hash: no Hash object per request
  return hash('sha256', secret, 'buffer');
}

/** The bearer token of a request, or an AuthError saying what is wrong with the header. */
export function bearerToken(req: IncomingMessage): string {
  const header = req.headers.authorization;
  if (!header) throw new AuthError('authentication required: send Authorization: Bearer <token>');
  const match = /^Bearer +([^\s]+) *$/i.exec(header);
  if (!match?.[1])
    throw new AuthError('the Authorization header must be "Bearer <token>"', 'invalid_request');
  return match[1];
}

/** Static API keys: the secret's digest is compared in constant time with every key's. */
export function apiKeyAuthenticator(entries: ReadonlyArray<string>): Authenticator {
  const keys = parseApiKeys(entries);
  const identities = new Map(
    keys.map((key) => [key, { clientId: key.id, scopes: key.scopes } as CallerIdentity]),
  );
  // Tokens already verified, so the hot path skips the hash. Only valid tokens are remembered
  // (a wrong one always pays the full constant-time comparison), and the map is bounded.
  const verified = new Map<string, CallerIdentity>();
  return {
    kind: 'api-key',
    authorizationServers: [],
    authenticate(req) {
      const token = bearerToken(req);
      const known = verified.get(token);
      if (known) return known;
      const presented = digest(token);
      let found: ApiKey | undefined;
      // no early exit: the time taken does not say which key matched, or how many were tried
      for (const key of keys) {
        if (timingSafeEqual(presented, key.digest)) found ??= key;
      }
      if (!found) throw new AuthError('invalid API key', 'invalid_token');
      if (verified.size >= MAX_VERIFIED) verified.clear();
      const identity = identities.get(found) as CallerIdentity;
      verified.set(token, identity);
      return identity;
    },
  };
}

const MAX_VERIFIED = 1_000;

export interface JwtOptions {
  jwksUrl: string;
  issuer?: string | undefined;
  /** Required; a token for another audience is refused. */
  audience: string;
  /** Default: asymmetric algorithms only (RS, PS, ES, EdDSA); `none` and HMAC are never accepted. */
  algorithms?: string[];
  /** Injectable key set (tests); default fetched from `jwksUrl` and cached by jose. */
  keySet?: JWTVerifyGetKey;
  /** Epoch ms; injectable for tests. */
  now?: () => number;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** JWT bearer tokens verified against a JWKS: signature, issuer, audience, expiry. */
export function jwtAuthenticator(options: JwtOptions): Authenticator {
  const keySet = options.keySet ?? createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5_000 });
  const verifyOptions = {
    audience: options.audience,
    algorithms: options.algorithms ?? ASYMMETRIC,
    ...(options.issuer !== undefined && { issuer: options.issuer }),
  };
  // Tokens already verified, until they expire and at most VERIFIED_JWT_MS (so a key taken out
  // of the JWKS stops working within that time): the hot path skips the signature check.
  const verified = new Map<string, { identity: CallerIdentity; until: number }>();
  const now = options.now ?? Date.now;
  const verify = async (token: string): Promise<CallerIdentity> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(
        token,
        keySet,
        options.now ? { ...verifyOptions, currentDate: new Date(now()) } : verifyOptions,
      ));
    } catch (error) {
      throw new AuthError(`invalid token: ${jwtReason(error)}`, 'invalid_token');
    }
    const clientId = subjectOf(payload);
    const identity: CallerIdentity = { clientId, scopes: scopesOf(payload), extra: { claims: payload } };
    const until = Math.min(
      now() + VERIFIED_JWT_MS,
      typeof payload.exp === 'number' ? payload.exp * 1000 : Number.POSITIVE_INFINITY,
    );
    if (verified.size >= MAX_VERIFIED) verified.clear();
    verified.set(token, { identity, until });
    return identity;
  };
  return {
    kind: 'jwt',
    authorizationServers: options.issuer ? [options.issuer] : [],
    authenticate(req) {
      const token = bearerToken(req);
      const known = verified.get(token);
      if (known && known.until > now()) return known.identity;
      if (known) verified.delete(token);
      return verify(token);
    },
  };
}

const VERIFIED_JWT_MS = 5 * 60_000;

/** The claims that may name the caller, in the order they are read. */
const SUBJECT_CLAIMS = ['sub', 'client_id', 'azp'] as const;

/**
 * Who a verified token speaks for: the first of `sub`, `client_id`, `azp` that is present, which
 * must be a non-empty string. A token naming no one is refused rather than given a shared name:
 * every such caller would share one rate-limit bucket and could take over each other's sessions.
 */
export function subjectOf(payload: JWTPayload): string {
  const claim = SUBJECT_CLAIMS.find((name) => payload[name] !== undefined);
  const value = claim === undefined ? undefined : payload[claim];
  if (typeof value === 'string' && value !== '') return value;
  const why =
    claim === undefined
      ? 'has no sub, client_id or azp claim'
      : `has a ${claim} that is not a non-empty string`;
  throw new AuthError(`invalid token: it ${why} to identify the caller`, 'invalid_token');
}

function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(/\s+/).filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.map(String);
  return [];
}

/** A short, safe reason from jose's error codes. */
function jwtReason(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `claim ${(error as { claim?: string }).claim ?? ''} is not accepted`.replace('  ', ' ');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'not signed by a trusted key';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'signing algorithm not accepted';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JOSE_GENERIC':
      return 'signing keys unavailable';
    default:
      return 'malformed or unverifiable';
  }
}

/** RFC 9728 protected-resource metadata for the MCP endpoint. */
export function protectedResourceMetadata(input: {
  resource: string;
  authorizationServers: ReadonlyArray<string>;
  scopes: ReadonlyArray<string>;
  name: string;
}): Record<string, unknown> {
  return {
    resource: input.resource,
    ...(input.authorizationServers.length > 0 && { authorization_servers: input.authorizationServers }),
    bearer_methods_supported: ['header'],
    ...(input.scopes.length > 0 && { scopes_supported: input.scopes }),
    resource_name: input.name,
  };
}

/** `Bearer resource_metadata="…"` (+ `error` when a token was refused), for a 401. */
export function wwwAuthenticate(metadataUrl: string, error?: AuthError): string {
  const parts = [`resource_metadata="${metadataUrl}"`];
  if (error?.oauthError)
    parts.push(`error="${error.oauthError}"`, `error_description="${error.message.replace(/"/g, "'")}"`);
  return `Bearer ${parts.join(', ')}`;
}
