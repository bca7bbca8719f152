// The hostile corpus, as data: raw request bodies (HTTP) or lines (stdio), each with a label and
// the answer it must get. Generic entries plus entries generated from a server's own catalog
// (tools/list, prompts/list, resources/templates/list), so a new tool is covered without edits.
import { HOSTILE_STRINGS, MARKER, ONE_MB } from './hostile-strings.ts';

/** What the answer to an entry must be. */
export type Expectation =
  /** A JSON-RPC error with one of `codes`, its message naming each of `names` (and `httpNames` over HTTP). */
  | { kind: 'rpc-error'; codes: number[]; names?: string[]; httpNames?: string[] }
  /** A tool result with isError, its text `CODE: …` with one of `codes`, naming each of `names` as a field. */
  | { kind: 'tool-error'; codes: string[]; names?: string[] }
  /** Any tool result; an error one carries a code other than INTERNAL. */
  | { kind: 'tool-result' }
  /** Any well-formed answer (result or error), never INTERNAL. */
  | { kind: 'answer' }
  /** A notification or a response: no answer at all (HTTP 202). */
  | { kind: 'none' };

export interface CorpusEntry {
  label: string;
  /** The exact body (HTTP) or line (stdio, a newline is added). */
  body: string | Uint8Array;
  /** The id the answer carries; `null`: none could be read (absent or null); `undefined`: no answer. */
  id: string | number | null | undefined;
  expect: Expectation;
  /** Only over this transport (e.g. HTTP headers, or a body with newlines). */
  only?: 'http' | 'stdio';
  /** HTTP only: replaces the default request. */
  http?: { method?: string; headers?: Record<string, string>; status?: number };
  /** Carries a prototype-pollution payload (also replayed in-process). */
  pollution?: boolean;
}

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
  /** The contract's numeric id: `[{ type: integer }, { type: string, pattern: digits }]`. */
  anyOf?: JsonSchema[];
}

/** What a server offers, as its list methods answer (undefined: the server has none). */
export interface Catalog {
  tools: Array<{ name: string; inputSchema: JsonSchema }>;
  prompts: Array<{ name: string; arguments?: Array<{ name: string; required?: boolean }> }> | undefined;
  templates: Array<{ uriTemplate: string }> | undefined;
  resources: Array<{ uri: string }> | undefined;
}

const PARSE = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
const RESOURCE_NOT_FOUND = -32002;

const invalidInput = (...names: string[]): Expectation => ({
  kind: 'tool-error',
  codes: ['INVALID_INPUT'],
  names,
});
const rpcError = (codes: number[], names: string[] = [], httpNames?: string[]): Expectation => ({
  kind: 'rpc-error',
  codes,
  names,
  ...(httpNames && { httpNames }),
});
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** What a message nested past core's bound gets, on every transport. */
const TOO_DEEP = rpcError([INVALID_REQUEST], ['nested deeper than 64 levels']);
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const pollutionObject = `{"${MARKER}":"yes"}`;
/** A context argument name of 1 MB. */
const ONE_MB_KEY = 'k'.repeat(ONE_MB);
/** Short enough to look for in a message (a 1 MB name is echoed, but checking its start is enough). */
const shown = (text: string) => text.slice(0, 60);

class Builder {
  readonly entries: CorpusEntry[] = [];
  #nextId = 1;

  /** A request with a fresh numeric id; `params` is raw JSON text (or omitted). */
  request(
    label: string,
    method: string,
    paramsJson: string | undefined,
    expect: Expectation,
    extra?: Partial<CorpusEntry>,
  ) {
    const id = this.#nextId++;
    const params = paramsJson === undefined ? '' : `,"params":${paramsJson}`;
    this.raw(
      label,
      `{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method)}${params}}`,
      id,
      expect,
      extra,
    );
  }

  call(
    label: string,
    tool: string,
    argsJson: string | undefined,
    expect: Expectation,
    extra?: Partial<CorpusEntry>,
  ) {
    const args = argsJson === undefined ? '' : `,"arguments":${argsJson}`;
    this.request(label, 'tools/call', `{"name":${JSON.stringify(tool)}${args}}`, expect, extra);
  }

  raw(
    label: string,
    body: string | Uint8Array,
    id: CorpusEntry['id'],
    expect: Expectation,
    extra: Partial<CorpusEntry> = {},
  ) {
    this.entries.push({ label, body, id, expect, ...extra });
  }

  nextId(): number {
    return this.#nextId++;
  }
}

/** Entries that hold for any server: broken JSON, broken JSON-RPC, unknown methods and tools. */
function genericEntries(b: Builder, catalog: Catalog): void {
  const firstTool = catalog.tools[0]?.name ?? 'no_tool';

  // not JSON at all: a parse error, with no id (none can be read)
  const notJson: Array<[string, string | Uint8Array]> = [
    ['unterminated object', '{ not json'],
    ['lone brace', '{'],
    ['closing brace', '}'],
    ['truncated request', '{"jsonrpc":"2.0","id":1,"method":"ping"'],
    ['trailing comma', '{"jsonrpc":"2.0","id":1,"method":"ping",}'],
    ['single quotes', "{'jsonrpc':'2.0','id':1,'method':'ping'}"],
    ['NaN literal', '{"jsonrpc":"2.0","id":NaN,"method":"ping"}'],
    ['undefined literal', 'undefined'],
    ['leading zero number', '{"jsonrpc":"2.0","id":01,"method":"ping"}'],
    ['unterminated string', '{"jsonrpc":"2.0","id":1,"method":"ping}'],
    ['comment', '// {"jsonrpc":"2.0","id":1,"method":"ping"}'],
    ['two objects', '{"jsonrpc":"2.0","id":1,"method":"ping"}{"jsonrpc":"2.0","id":2,"method":"ping"}'],
    ['trailing garbage', '{"jsonrpc":"2.0","id":1,"method":"ping"} trailing'],
    ['byte order mark', '\ufeff{"jsonrpc":"2.0","id":1,"method":"ping"}'],
    ['raw control character in a string', '{"jsonrpc":"2.0","id":1,"method":"pi\u0001ng"}'],
    ['NUL byte', '\u0000'],
    ['invalid UTF-8 bytes', new Uint8Array([0xff, 0xfe, 0xfd, 0x7b, 0x7d])],
    ['bad escape', '{"jsonrpc":"2.0","id":1,"method":"\\x70ing"}'],
    ['XML', '<?xml version="1.0"?><methodCall><methodName>ping</methodName></methodCall>'],
    ['form encoding', 'jsonrpc=2.0&id=1&method=ping'],
    ['1 MB of garbage', 'x'.repeat(ONE_MB)],
  ];
  // refused for its depth before it is parsed (json-limits.ts), or as invalid JSON
  b.raw('invalid JSON: unclosed deep nesting', '['.repeat(100_000), null, rpcError([PARSE, INVALID_REQUEST]));
  for (const [label, body] of notJson) b.raw(`invalid JSON: ${label}`, body, null, rpcError([PARSE]));
  // over stdio a line of only whitespace (String.prototype.trim's idea of it, U+2028 included) is skipped
  b.raw('invalid JSON: unicode line separator', '\u2028', null, rpcError([PARSE]), { only: 'http' });
  b.raw('invalid JSON: empty body', '', null, rpcError([PARSE], [], ['empty']), { only: 'http' });
  b.raw(
    'invalid JSON: pretty-printed over lines',
    '{\n"jsonrpc": "2.0",\n"id": 1,\n"method": "ping"\n}',
    1,
    {
      kind: 'answer',
    },
    { only: 'http' },
  );

  // JSON, but not a JSON-RPC request
  const notMessage: Array<[string, string]> = [
    ['empty array (batch)', '[]'],
    ['batch of one', '[{"jsonrpc":"2.0","id":1,"method":"ping"}]'],
    ['array of numbers', '[1,2,3]'],
    ['string', '"ping"'],
    ['number', '42'],
    ['boolean', 'true'],
    ['null', 'null'],
    ['empty object', '{}'],
    ['1 MB string', JSON.stringify('x'.repeat(ONE_MB))],
  ];
  for (const [label, body] of notMessage)
    b.raw(`not a JSON-RPC message: ${label}`, body, null, rpcError([INVALID_REQUEST]));

  // a JSON-RPC envelope with a fault: -32600, with the id when it can be read
  const envelope = (label: string, body: string, id: CorpusEntry['id'], httpNames: string[]) =>
    b.raw(`bad envelope: ${label}`, body, id, rpcError([INVALID_REQUEST], [], httpNames));
  const withId = (make: (id: number) => string) => {
    const id = b.nextId();
    return [make(id), id] as const;
  };
  for (const [label, make, name] of [
    ['jsonrpc 1.0', (id: number) => `{"jsonrpc":"1.0","id":${id},"method":"ping"}`, 'jsonrpc'],
    ['no jsonrpc member', (id: number) => `{"id":${id},"method":"ping"}`, 'jsonrpc'],
    ['jsonrpc as a number', (id: number) => `{"jsonrpc":2,"id":${id},"method":"ping"}`, 'jsonrpc'],
    ['method is a number', (id: number) => `{"jsonrpc":"2.0","id":${id},"method":42}`, 'method'],
    ['method is null', (id: number) => `{"jsonrpc":"2.0","id":${id},"method":null}`, 'method'],
    ['an id but no method', (id: number) => `{"jsonrpc":"2.0","id":${id}}`, undefined],
  ] as const) {
    const [body, id] = withId(make);
    envelope(label, body, id, name ? [name] : []);
  }
  envelope('id is an object', '{"jsonrpc":"2.0","id":{},"method":"ping"}', null, ['id']);
  envelope('id is an array', '{"jsonrpc":"2.0","id":[1],"method":"ping"}', null, ['id']);
  envelope('id is a boolean', '{"jsonrpc":"2.0","id":true,"method":"ping"}', null, ['id']);
  envelope('id is null', '{"jsonrpc":"2.0","id":null,"method":"ping"}', null, ['id']);
  envelope('id is a fraction', '{"jsonrpc":"2.0","id":1.5,"method":"ping"}', 1.5, ['id']);
  envelope('id overflows to Infinity', '{"jsonrpc":"2.0","id":1e400,"method":"ping"}', null, ['id']);
  for (const [label, params] of [
    ['array', '[1,2]'],
    ['string', '"x"'],
    ['number', '7'],
    ['null', 'null'],
    ['boolean', 'false'],
  ] as const) {
    const id = b.nextId();
    envelope(
      `params is ${label}`,
      `{"jsonrpc":"2.0","id":${id},"method":"tools/list","params":${params}}`,
      id,
      ['params'],
    );
  }

  // odd but valid ids are echoed exactly
  const oddIds: Array<[string, string, string | number]> = [
    ['negative id', '-7', -7],
    ['id beyond 2^53', '18446744073709551616', Number('18446744073709551616')],
    ['empty string id', '""', ''],
    ['lone surrogate id', '"\\ud800"', '\ud800'],
    ['1 MB string id', JSON.stringify('i'.repeat(ONE_MB)), 'i'.repeat(ONE_MB)],
    ['prototype id', '"__proto__"', '__proto__'],
  ];
  for (const [label, idJson, id] of oddIds)
    b.raw(`odd id: ${label}`, `{"jsonrpc":"2.0","id":${idJson},"method":"ping"}`, id, { kind: 'answer' });

  // not requests: nothing to answer
  b.raw('notification of an unknown method', '{"jsonrpc":"2.0","method":"notifications/bogus"}', undefined, {
    kind: 'none',
  });
  b.raw('notification named __proto__', '{"jsonrpc":"2.0","method":"__proto__","params":{}}', undefined, {
    kind: 'none',
  });
  b.raw(
    'cancellation of an unknown request',
    '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"nope","reason":"x"}}',
    undefined,
    { kind: 'none' },
  );
  b.raw('response to no request', '{"jsonrpc":"2.0","id":"no-such-request","result":{}}', undefined, {
    kind: 'none',
  });
  b.raw(
    'error response to no request',
    '{"jsonrpc":"2.0","id":"no-such-request","error":{"code":1,"message":"x"}}',
    undefined,
    { kind: 'none' },
  );

  // unknown methods: -32601 naming the method
  const methods = [
    'no/such/method',
    '',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '__defineGetter__',
    'tools/call/',
    'TOOLS/LIST',
    'tools/list ',
    'tools\u0000list',
    '../../etc/passwd',
    'rpc.discover',
    "'; DROP TABLE customers; --",
    'tööls/list',
    'm'.repeat(ONE_MB),
  ];
  for (const method of methods)
    b.request(
      `unknown method ${JSON.stringify(shown(method))}`,
      method,
      undefined,
      rpcError([METHOD_NOT_FOUND], [shown(method)]),
    );

  // unknown tools: -32602 naming the tool
  const tools = [
    'no_such_tool',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    '../../../etc/passwd',
    firstTool.toUpperCase(),
    `${firstTool} `,
    `${firstTool}\u0000`,
    // a Cyrillic look-alike of its first a, e or o (tools/list is sorted: any tool may come first)
    firstTool.replace(/[aeo]/, (c) => ({ a: '\u0430', e: '\u0435', o: '\u043e' })[c] ?? c),
    '',
    't'.repeat(ONE_MB),
    "x'; DROP TABLE customers; --",
  ];
  for (const tool of tools)
    b.call(
      `unknown tool ${JSON.stringify(shown(tool))}`,
      tool,
      '{}',
      rpcError([INVALID_PARAMS], [shown(tool)]),
    );

  // tools/call with broken params: -32602 naming the member
  const broken: Array<[string, string, string]> = [
    ['no name', '{"arguments":{}}', 'name'],
    ['name is a number', '{"name":42}', 'name'],
    ['name is null', '{"name":null}', 'name'],
    ['name is an array', `{"name":[${JSON.stringify(firstTool)}]}`, 'name'],
    ['name is an object', '{"name":{"toString":"x"}}', 'name'],
    ['arguments is an array', `{"name":${JSON.stringify(firstTool)},"arguments":[1,2]}`, 'arguments'],
    ['arguments is a string', `{"name":${JSON.stringify(firstTool)},"arguments":"{}"}`, 'arguments'],
    ['arguments is a number', `{"name":${JSON.stringify(firstTool)},"arguments":1}`, 'arguments'],
    ['arguments is null', `{"name":${JSON.stringify(firstTool)},"arguments":null}`, 'arguments'],
  ];
  for (const [label, params, name] of broken)
    b.request(`tools/call: ${label}`, 'tools/call', params, rpcError([INVALID_PARAMS], [name]));

  // _meta is part of the envelope's schema: refused as an invalid request (named over HTTP)
  for (const [label, meta, name] of [
    ['_meta is a string', '"x"', '_meta'],
    ['progress token is an object', '{"progressToken":{}}', 'progressToken'],
  ] as const)
    b.request(
      `tools/call: ${label}`,
      'tools/call',
      `{"name":${JSON.stringify(firstTool)},"arguments":{},"_meta":${meta}}`,
      rpcError([INVALID_REQUEST, INVALID_PARAMS], [], [name]),
    );

  // deep nesting where the server only passes values through
  b.request('deep nesting (100k arrays) in ping params', 'ping', `{"x":${deep(100_000)}}`, {
    kind: 'answer',
  });
  b.request('deep nesting (10k objects) in _meta', 'tools/list', `{"_meta":{"x":${deepObject(10_000)}}}`, {
    kind: 'answer',
  });
  // past core's bound (64 levels, json-limits.ts) a message is refused before any schema walks it
  b.request(
    'deep nesting as tool arguments',
    'tools/call',
    `{"name":${JSON.stringify(firstTool)},"arguments":${deepObject(10_000)}}`,
    TOO_DEEP,
  );
  b.request(
    'nesting as tool arguments, within the bound',
    'tools/call',
    `{"name":${JSON.stringify(firstTool)},"arguments":${deepObject(50)}}`,
    {
      kind: 'tool-error',
      codes: ['INVALID_INPUT'],
      names: ['a'],
    },
  );
  b.request('1 MB of unknown params', 'ping', `{"junk":${JSON.stringify('j'.repeat(ONE_MB))}}`, {
    kind: 'answer',
  });

  // list methods with hostile cursors
  for (const method of ['tools/list', 'resources/list', 'resources/templates/list', 'prompts/list']) {
    const offered =
      method === 'tools/list' ||
      (method.startsWith('resources/') && catalog.resources !== undefined) ||
      (method === 'prompts/list' && catalog.prompts !== undefined);
    for (const [label, cursor] of [
      ['number', '42'],
      ['forged', '"not-a-cursor"'],
      ['1 MB', JSON.stringify('c'.repeat(ONE_MB))],
    ] as const) {
      b.request(
        `${method} with a ${label} cursor`,
        method,
        `{"cursor":${cursor}}`,
        offered
          ? label === 'number'
            ? rpcError([INVALID_PARAMS], ['cursor'])
            : { kind: 'answer' }
          : rpcError([METHOD_NOT_FOUND], [method]),
      );
    }
  }

  // logging, initialize, completion
  for (const [label, params] of [
    ['unknown level', '{"level":"verbose"}'],
    ['level is a number', '{"level":3}'],
    ['no level', '{}'],
  ] as const)
    b.request(
      `logging/setLevel: ${label}`,
      'logging/setLevel',
      params,
      rpcError([INVALID_PARAMS], ['level']),
    );
  b.request('initialize: no params', 'initialize', '{}', rpcError([INVALID_PARAMS], ['protocolVersion']));
  b.request(
    'initialize: protocolVersion is a number',
    'initialize',
    '{"protocolVersion":20251125,"capabilities":{},"clientInfo":{"name":"x","version":"1"}}',
    rpcError([INVALID_PARAMS], ['protocolVersion']),
  );
  b.request(
    'initialize: clientInfo is a string',
    'initialize',
    '{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":"me"}',
    rpcError([INVALID_PARAMS], ['clientInfo']),
  );
  b.request(
    'completion/complete: unknown ref type',
    'completion/complete',
    '{"ref":{"type":"ref/bogus","name":"x"},"argument":{"name":"a","value":"b"}}',
    catalog.prompts || catalog.templates ? rpcError([INVALID_PARAMS], ['ref']) : rpcError([METHOD_NOT_FOUND]),
  );

  // resources: traversal and other schemes are not resources of any server
  const uris = [
    'file:///etc/passwd',
    '../../../../etc/passwd',
    '/etc/passwd',
    'C:\\Windows\\win.ini',
    'http://127.0.0.1:1/',
    'javascript:alert(1)',
    'data:text/plain,hello',
    '',
    `u://${'u'.repeat(ONE_MB)}`,
  ];
  for (const uri of uris) {
    b.request(
      `resources/read ${JSON.stringify(shown(uri))}`,
      'resources/read',
      JSON.stringify({ uri }),
      !catalog.resources
        ? rpcError([METHOD_NOT_FOUND], ['resources/read'])
        : uri.length > 1_000_000
          ? // resource-not-found, saying what the limit is, never the SDK's "exceeds maximum length" as INTERNAL
            rpcError([RESOURCE_NOT_FOUND], [shown(uri), 'at most 1000000'])
          : rpcError([RESOURCE_NOT_FOUND, INVALID_PARAMS], uri ? [shown(uri)] : []),
    );
  }
  b.request(
    'resources/read: uri is a number',
    'resources/read',
    '{"uri":42}',
    catalog.resources ? rpcError([INVALID_PARAMS], ['uri']) : rpcError([METHOD_NOT_FOUND]),
  );

  // prototype pollution through the envelope and params
  const polluted = (label: string, body: string, id: number, expect: Expectation) =>
    b.raw(`pollution: ${label}`, body, id, expect, { pollution: true });
  let id = b.nextId();
  polluted(
    '__proto__ in the envelope',
    `{"jsonrpc":"2.0","id":${id},"method":"ping","__proto__":${pollutionObject}}`,
    id,
    {
      kind: 'answer',
    },
  );
  id = b.nextId();
  polluted(
    'constructor.prototype in the envelope',
    `{"jsonrpc":"2.0","id":${id},"method":"ping","constructor":{"prototype":${pollutionObject}}}`,
    id,
    { kind: 'answer' },
  );
  id = b.nextId();
  polluted(
    '__proto__ in tools/list params',
    `{"jsonrpc":"2.0","id":${id},"method":"tools/list","params":{"__proto__":${pollutionObject}}}`,
    id,
    { kind: 'answer' },
  );
  id = b.nextId();
  polluted(
    '__proto__ in _meta',
    `{"jsonrpc":"2.0","id":${id},"method":"tools/list","params":{"_meta":{"__proto__":${pollutionObject}}}}`,
    id,
    { kind: 'answer' },
  );

  // HTTP only: what the transport itself refuses, always with a JSON-RPC error body
  const ping = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
  const httpOnly = (label: string, http: NonNullable<CorpusEntry['http']>, body = ping) =>
    b.raw(`HTTP: ${label}`, body, null, rpcError([INVALID_REQUEST, -32000]), { only: 'http', http });
  httpOnly('text/plain body', { headers: { 'content-type': 'text/plain' }, status: 415 });
  httpOnly('form body', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415 });
  httpOnly('no content type', { headers: { 'content-type': '' }, status: 415 });
  // read after the body (the era is decided there): MCP 2026-07-28's -32022, naming the version,
  // with the request's id like every error whose request could be read
  b.raw('HTTP: unknown protocol version', ping, 1, rpcError([-32022], ['1999-01-01']), {
    only: 'http',
    http: { headers: { 'mcp-protocol-version': '1999-01-01' }, status: 400 },
  });
  httpOnly('body over the 4 MiB limit', { status: 413 }, JSON.stringify({ junk: 'x'.repeat(5 * ONE_MB) }));
}

/** A value the tool's schema accepts for this property, to keep the other arguments valid. */
const SAMPLES: Record<string, unknown> = {
  customer_id: '1234',
  order_id: '1234',
  user_id: 1,
  username: 'bad_input_user',
  email: 'bad-input@example.com',
  password: 'bad-input-password',
  name: 'Bad Input',
  min_value: 1,
  max_value: 10,
  steps: 1,
  interval_ms: 0,
};

export function sampleValue(name: string, schema: JsonSchema): unknown {
  if (name in SAMPLES && schemaAccepts(schema, SAMPLES[name])) return SAMPLES[name];
  if (schema.enum) return schema.enum[0];
  if (schema.type === 'integer' || schema.type === 'number')
    return Math.min(Math.max(1, schema.minimum ?? 1), schema.maximum ?? 1);
  if (schema.type === 'boolean') return true;
  if (schema.type === 'string') return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
  return {};
}

/** The checks of a JSON schema this corpus relies on (type, enum, range, length, pattern). */
export function schemaAccepts(schema: JsonSchema, value: unknown): boolean {
  if (schema.enum) return schema.enum.includes(value);
  if (schema.anyOf) return schema.anyOf.some((branch) => schemaAccepts(branch, value));
  switch (schema.type) {
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      if (schema.type === 'integer' && !Number.isInteger(value)) return false;
      return value >= (schema.minimum ?? -Infinity) && value <= (schema.maximum ?? Infinity);
    case 'string':
      if (typeof value !== 'string') return false;
      if (value.length < (schema.minLength ?? 0) || value.length > (schema.maxLength ?? Infinity))
        return false;
      return schema.pattern === undefined || new RegExp(schema.pattern, 'u').test(value);
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

/** The required arguments, each with a valid sample: the base every mutation starts from. */
export function validBase(schema: JsonSchema): Record<string, unknown> {
  const base: Record<string, unknown> = {};
  for (const name of schema.required ?? []) base[name] = sampleValue(name, schema.properties?.[name] ?? {});
  return base;
}

/** `base` as JSON with `name` set to the raw JSON `valueJson`. */
function withRaw(base: Record<string, unknown>, name: string, valueJson: string): string {
  const rest = { ...base };
  delete rest[name];
  const json = JSON.stringify(rest);
  return `${json.slice(0, -1)}${json.length > 2 ? ',' : ''}${JSON.stringify(name)}:${valueJson}}`;
}

/** Wrong values of every kind for one property, with the answer each must get. */
function propertyMutations(schema: JsonSchema): Array<[string, string, 'invalid' | 'checked' | 'too-deep']> {
  const out: Array<[string, string, 'invalid' | 'checked' | 'too-deep']> = [
    ['null', 'null', 'invalid'],
    ['an array', '[1]', 'invalid'],
    ['an operator object', '{"$gt":""}', 'invalid'],
    ['10k-deep nesting', deep(10_000), 'too-deep'],
    ['40-deep nesting', deep(40), 'invalid'],
  ];
  if (schema.type === 'integer' || schema.type === 'number') {
    out.push(['a numeric string', '"1"', 'invalid'], ['a boolean', 'true', 'invalid']);
    if (schema.type === 'integer') out.push(['a fraction', '1.5', 'invalid']);
    if (schema.minimum !== undefined) out.push(['below the minimum', String(schema.minimum - 1), 'invalid']);
    if (schema.maximum !== undefined) out.push(['above the maximum', String(schema.maximum + 1), 'invalid']);
    out.push(
      ['huge (1e308)', '1e308', schema.maximum === undefined ? 'checked' : 'invalid'],
      ['hugely negative (-1e308)', '-1e308', schema.minimum === undefined ? 'checked' : 'invalid'],
      ['overflowing to Infinity (1e400)', '1e400', 'invalid'],
      ['negative', '-1', schemaAccepts(schema, -1) ? 'checked' : 'invalid'],
    );
  }
  if (schema.type === 'string') {
    out.push(['a number', '42', 'invalid'], ['a boolean', 'false', 'invalid']);
    const strings: Array<[string, string]> = [
      ['1 MB string', 'x'.repeat(ONE_MB)],
      ['empty string', ''],
      ...HOSTILE_STRINGS.map(({ label, value }): [string, string] => [label, value]),
    ];
    if (schema.maxLength !== undefined && schema.maxLength < ONE_MB)
      strings.push(['one character too long', 'x'.repeat(schema.maxLength + 1)]);
    if (schema.enum) {
      strings.push(['not one of the choices', 'not_a_choice']);
      const upper = String(schema.enum[0]).toUpperCase();
      if (upper !== schema.enum[0]) strings.push(['a choice in capitals', upper]);
    }
    for (const [label, value] of strings)
      out.push([label, JSON.stringify(value), schemaAccepts(schema, value) ? 'checked' : 'invalid']);
  }
  return out;
}

/** Entries generated from each tool's input schema. */
function toolEntries(b: Builder, catalog: Catalog): void {
  for (const { name: tool, inputSchema: schema } of catalog.tools) {
    const properties = schema.properties ?? {};
    const required = schema.required ?? [];
    const base = validBase(schema);
    const t = (label: string) => `${tool}: ${label}`;
    const missingAll = required.length ? invalidInput(...required) : ({ kind: 'tool-result' } as const);

    b.call(t('valid arguments'), tool, JSON.stringify(base), { kind: 'tool-result' });
    b.call(t('no arguments member'), tool, undefined, missingAll);
    b.call(t('empty arguments'), tool, '{}', missingAll);
    for (const name of required) {
      const rest = { ...base };
      delete rest[name];
      b.call(t(`missing ${name}`), tool, JSON.stringify(rest), invalidInput(name));
    }
    for (const [name, propSchema] of Object.entries(properties)) {
      for (const [label, valueJson, outcome] of propertyMutations(propSchema)) {
        b.call(
          t(`${name} is ${label}`),
          tool,
          withRaw(base, name, valueJson),
          outcome === 'invalid'
            ? invalidInput(name)
            : outcome === 'too-deep'
              ? TOO_DEEP
              : { kind: 'tool-result' },
        );
      }
    }
    if (schema.additionalProperties === false) {
      for (const key of [
        'unexpected_field',
        'constructor',
        'prototype',
        'toString',
        'hasOwnProperty',
        'k'.repeat(1000),
      ])
        b.call(t(`extra key ${shown(key)}`), tool, withRaw(base, key, pollutionObject), invalidInput(key), {
          pollution: key === 'constructor' || key === 'prototype',
        });
      b.call(
        t('extra key constructor.prototype'),
        tool,
        withRaw(base, 'constructor', `{"prototype":${pollutionObject}}`),
        invalidInput('constructor'),
        { pollution: true },
      );
    }
    b.call(
      t('extra key __proto__'),
      tool,
      withRaw(base, '__proto__', pollutionObject),
      invalidInput('__proto__'),
      { pollution: true },
    );
    const first = Object.keys(properties)[0];
    if (first)
      b.call(
        t(`${first} is an object with __proto__`),
        tool,
        withRaw(base, first, `{"__proto__":${pollutionObject}}`),
        invalidInput(first),
        {
          pollution: true,
        },
      );
  }
}

/** Entries from the server's prompts and resource templates. */
function promptAndResourceEntries(b: Builder, catalog: Catalog): void {
  for (const prompt of catalog.prompts ?? []) {
    const args = prompt.arguments ?? [];
    const base: Record<string, string> = Object.fromEntries(args.map((a) => [a.name, 'Bad Input']));
    const get = (label: string, argsJson: string, expect: Expectation, extra?: Partial<CorpusEntry>) =>
      b.request(
        `prompt ${prompt.name}: ${label}`,
        'prompts/get',
        `{"name":${JSON.stringify(prompt.name)},"arguments":${argsJson}}`,
        expect,
        extra,
      );
    for (const arg of args.filter((a) => a.required)) {
      const rest = { ...base };
      delete rest[arg.name];
      get(`missing ${arg.name}`, JSON.stringify(rest), rpcError([INVALID_PARAMS], [arg.name]));
    }
    get('extra argument', JSON.stringify({ ...base, unexpected_arg: 'x' }), { kind: 'answer' });
    get(
      '__proto__ argument',
      withRaw(base, '__proto__', pollutionObject),
      { kind: 'answer' },
      { pollution: true },
    );
    for (const arg of args) {
      get(`${arg.name} is a number`, withRaw(base, arg.name, '42'), rpcError([INVALID_PARAMS], [arg.name]));
      get(`${arg.name} is 1 MB`, withRaw(base, arg.name, JSON.stringify('p'.repeat(ONE_MB))), {
        kind: 'answer',
      });
      for (const { label, value } of HOSTILE_STRINGS)
        get(`${arg.name} is ${label}`, withRaw(base, arg.name, JSON.stringify(value)), { kind: 'answer' });
    }
  }
  for (const name of ['no_such_prompt', '__proto__', 'constructor'])
    b.request(
      `prompts/get ${name}`,
      'prompts/get',
      `{"name":${JSON.stringify(name)}}`,
      catalog.prompts ? rpcError([INVALID_PARAMS], [name]) : rpcError([METHOD_NOT_FOUND]),
    );

  for (const { uriTemplate } of catalog.templates ?? []) {
    const values = [
      '-1',
      '99999999999999999999999',
      '1.5',
      '0x10',
      'constructor',
      ...HOSTILE_STRINGS.map((s) => s.value),
      'v'.repeat(ONE_MB),
    ];
    for (const value of values) {
      const uri = uriTemplate.replace(/\{[^}]+\}/, value);
      b.request(
        `resource ${uriTemplate} with ${JSON.stringify(shown(value))}`,
        'resources/read',
        JSON.stringify({ uri }),
        uri.length > 1_000_000 ? rpcError([RESOURCE_NOT_FOUND], ['at most 1000000']) : { kind: 'answer' },
      );
    }
    b.request(
      `complete ${uriTemplate} with a 1 MB value`,
      'completion/complete',
      JSON.stringify({
        ref: { type: 'ref/resource', uri: uriTemplate },
        argument: { name: /\{([^}]+)\}/.exec(uriTemplate)?.[1] ?? 'id', value: 'c'.repeat(ONE_MB) },
      }),
      { kind: 'answer' },
    );
    b.request(
      `complete ${uriTemplate} with 1 MB context arguments`,
      'completion/complete',
      JSON.stringify({
        ref: { type: 'ref/resource', uri: uriTemplate },
        argument: { name: /\{([^}]+)\}/.exec(uriTemplate)?.[1] ?? 'id', value: '' },
        context: { arguments: { id: 'c'.repeat(ONE_MB), [ONE_MB_KEY]: 'x' } },
      }),
      { kind: 'answer' },
    );
    b.request(
      `complete the template ${uriTemplate} followed by 1 MB`,
      'completion/complete',
      JSON.stringify({
        ref: { type: 'ref/resource', uri: `${uriTemplate}${'t'.repeat(ONE_MB)}` },
        argument: { name: 'id', value: '' },
      }),
      rpcError([INVALID_PARAMS], [shown(uriTemplate)]),
    );
    for (const { label, value } of HOSTILE_STRINGS.slice(0, 8))
      b.request(
        `complete ${uriTemplate} with ${label}`,
        'completion/complete',
        JSON.stringify({
          ref: { type: 'ref/resource', uri: uriTemplate },
          argument: { name: /\{([^}]+)\}/.exec(uriTemplate)?.[1] ?? 'id', value },
        }),
        { kind: 'answer' },
      );
  }
}

/** The whole corpus for one server. */
export function buildCorpus(catalog: Catalog): CorpusEntry[] {
  const b = new Builder();
  genericEntries(b, catalog);
  toolEntries(b, catalog);
  promptAndResourceEntries(b, catalog);
  return b.entries;
}
