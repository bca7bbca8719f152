/** A secret, or a function giving the current one (called once per request, so it may rotate). */
export type SecretSource = string | (() => string | Promise<string>);
export type HeadersSource =
  | Record<string, string>
  | (() => Record<string, string> | Promise<Record<string, string>>);

export type HttpAuth =
  | { type: 'bearer'; token: SecretSource }
  | { type: 'apiKey'; value: SecretSource; header?: string }
  | { type: 'headers'; headers: HeadersSource };

export function bearerAuth(token: SecretSource): HttpAuth {
  return { type: 'bearer', token };
}

export function apiKeyAuth(value: SecretSource, header = 'x-api-key'): HttpAuth {
  return { type: 'apiKey', value, header };
}

export function headersAuth(headers: HeadersSource): HttpAuth {
  return { type: 'headers', headers };
}

/** The headers an auth provider adds to one request (secrets read now, so they may rotate). */
export async function authHeaders(auth: HttpAuth | undefined): Promise<Record<string, string>> {
  const reveal = async (secret: SecretSource) => (typeof secret === 'function' ? await secret() : secret);
  switch (auth?.type) {
    case undefined:
      return {};
    case 'bearer':
      return { authorization: `Bearer ${await reveal(auth.token)}` };
    case 'apiKey':
      return { [auth.header ?? 'x-api-key']: await reveal(auth.value) };
    case 'headers':
      return typeof auth.headers === 'function' ? await auth.headers() : auth.headers;
  }
}
