// fast-check arbitraries for tool inputs: valid ones derived from each tool's JSON input schema
// (as tools/list gives it), refined per tool where the tool checks more than its schema says;
// invalid ones made from a valid input by breaking exactly one field.
import { deceptiveText } from '@mcp-stack/core';
import fc from 'fast-check';
import type { JsonSchema } from './corpus.ts';
import type { ServerName } from './servers.ts';

type Args = Record<string, unknown>;

/** What a tool checks beyond its JSON schema, so generated inputs are valid in full. */
export interface ToolSpec {
  /** Replaces the schema-derived arbitrary of these fields. */
  fields?: Record<string, fc.Arbitrary<unknown>>;
  /** Left out of valid inputs (a cursor is valid only as the server issued it). */
  omit?: string[];
  /** Brings a generated input within the rules between fields. */
  fix?: (args: Args) => Args;
}

const CONTROL = /\p{Cc}/u;
/** Longest generated string (a schema's exact maximum is generated on its own, see stringArb). */
const MAX_GENERATED = 200;

/**
 * Text of any characters, `minLength` to `maxLength` long as the schemas count: in UTF-16 code
 * units (zod's `.length`), not graphemes; one grapheme can take many units (U+1D160 is three
 * astral code points, six units), so the count is checked on what was generated.
 */
const text = (minLength: number, maxLength: number) => {
  const max = Math.min(maxLength, MAX_GENERATED);
  return fc.string({ unit: 'grapheme', minLength, maxLength: max }).filter((s) => s.length <= max);
};

/** An address both the users API (zod's email) and customer-db accept. */
const email = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{1,20}([._+-][a-z0-9]{1,10})?$/),
    fc.stringMatching(/^[a-z0-9]{1,15}(\.[a-z0-9]{1,15})?$/),
    fc.constantFrom('com', 'org', 'test', 'io'),
  )
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);

/** A customer's name: not blank, nothing deceptive (core's `deceptiveText`), up to the 16,384 allowed. */
const customerName = fc.oneof(
  text(1, 200).filter((s) => s.trim() !== '' && deceptiveText(s) === undefined),
  fc.constant('N'.repeat(16_384)),
);

/** customer-db's email check: one @, no whitespace, nothing deceptive, at most 254. */
const customerEmail = fc.oneof(
  email,
  fc
    .stringMatching(/^[^\s@]{1,60}@[^\s@]{1,60}$/u)
    .filter((s) => deceptiveText(s) === undefined && s.length <= 254),
);

/** Each tool of each server: a new tool without an entry here fails the property tests. */
export const TOOL_SPECS: Record<ServerName, Record<string, ToolSpec>> = {
  demo: {
    generate_random_number: {
      fix: (a) => {
        const [min, max] = [a.min_value as number, a.max_value as number].sort((x, y) => x - y) as [
          number,
          number,
        ];
        return { min_value: min, max_value: max };
      },
    },
    fetch_joke: {},
    // steps × interval_ms is real waiting: kept to 100 ms a call; every value of each field still appears
    count_down: {
      fix: (a) => {
        const steps = a.steps as number;
        const interval = (a.interval_ms as number | undefined) ?? 1_000;
        return (steps - 1) * interval <= 100
          ? a
          : { ...a, steps: Math.min(100, 1 + Math.floor(100 / interval)) };
      },
    },
    show_mixed_content: {},
    // asks the person: a client without elicitation gets UNAVAILABLE, never INVALID_INPUT
    order_coffee: {},
  },
  users: {
    register_user: {
      fields: {
        username: fc.stringMatching(/^[a-z0-9_.-]{3,32}$/),
        email,
        password: fc.oneof(
          text(8, 1024).filter((s) => s.length >= 8),
          fc.constant('p'.repeat(1024)),
        ),
      },
    },
    get_user: {},
    list_users: {
      omit: ['cursor'],
      fields: { query: text(1, 100).filter((s) => s.length >= 1 && !CONTROL.test(s)) },
    },
    update_user: {
      fields: { email, password: text(8, 1024).filter((s) => s.length >= 8) },
      fix: (a) =>
        a.email === undefined && a.password === undefined ? { ...a, password: 'a new password' } : a,
    },
    delete_user: {},
  },
  'customer-db': {
    get_customer: {},
    search_customers: {
      omit: ['cursor'],
      // at most 64 distinct words (QUERY_TERMS_MAX)
      fix: (a) =>
        typeof a.query === 'string'
          ? {
              ...a,
              query: a.query
                .split(/[\s\p{Cc}]+/u)
                .slice(0, 60)
                .join(' '),
            }
          : a,
    },
    create_customer: { fields: { name: customerName, email: customerEmail } },
    update_customer: {
      fields: { name: customerName, email: customerEmail },
      fix: (a) => ((a.name ?? a.email ?? a.status) === undefined ? { ...a, status: 'active' } : a),
    },
    get_order: {},
    list_orders: { omit: ['cursor'] },
    update_order_status: {},
  },
};

const safeInt = safeIntArb;

/** Whether a property is the agent contract's numeric id (core's `numericId`): a number or its digits. */
const isNumericId = (schema: JsonSchema) =>
  schema.anyOf?.some((b) => b.type === 'integer') === true &&
  schema.anyOf.some((b) => b.type === 'string' && b.pattern !== undefined);

/** A numeric id: 1 to 2^53 - 1, as a JSON number or as its digits (both accepted). */
const numericId = fc.oneof(
  safeIntArb(1, Number.MAX_SAFE_INTEGER),
  safeIntArb(1, Number.MAX_SAFE_INTEGER).map(String),
  fc.constantFrom(1, '1', Number.MAX_SAFE_INTEGER, String(Number.MAX_SAFE_INTEGER)),
);

function safeIntArb(min: number, max: number): fc.Arbitrary<number> {
  return fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map((n) => Number(n));
}

/** A value the JSON schema accepts, boundaries included. */
export function valueArb(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (isNumericId(schema)) return numericId;
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(valueArb));
  switch (schema.type) {
    case 'integer': {
      const min = schema.minimum ?? Number.MIN_SAFE_INTEGER;
      const max = schema.maximum ?? Number.MAX_SAFE_INTEGER;
      return fc.oneof(safeInt(min, max), fc.constantFrom(min, max));
    }
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e308, max: schema.maximum ?? 1e308, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string': {
      const min = schema.minLength ?? 0;
      const max = schema.maxLength ?? 10_000;
      if (schema.pattern)
        return fc.stringMatching(new RegExp(schema.pattern, 'u')).filter((s) => s.length <= max);
      return fc.oneof(
        { arbitrary: text(min, max), weight: 4 },
        { arbitrary: fc.constant('x'.repeat(max)), weight: 1 },
      );
    }
    default:
      throw new Error(`no arbitrary for a ${schema.type ?? 'typeless'} property: add one to TOOL_SPECS`);
  }
}

/** Valid arguments for a tool: required fields always, optional ones sometimes. */
export function validArgs(schema: JsonSchema, spec: ToolSpec): fc.Arbitrary<Args> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (spec.omit?.includes(name)) continue;
    model[name] = spec.fields?.[name] ?? valueArb(property);
  }
  const required = (schema.required ?? []).filter((name) => name in model);
  return fc
    .record(model, { requiredKeys: required })
    .map((args) => (spec.fix ? spec.fix(args as Args) : (args as Args)));
}

export interface Broken {
  args: Args;
  /** The field at fault, as the error must name it. */
  field: string;
  how: string;
}

interface Mutation {
  field: string;
  how: string;
  value: fc.Arbitrary<unknown>;
  /** Remove the field instead of setting it. */
  remove?: boolean;
}

const wrongTypes = (type: string | undefined, also: string[] = []): fc.Arbitrary<unknown> => {
  const all: Array<[string, fc.Arbitrary<unknown>]> = [
    ['string', fc.string()],
    ['integer', fc.integer()],
    [
      'number',
      fc
        .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
        .filter((n) => !Number.isInteger(n)),
    ],
    ['boolean', fc.boolean()],
    ['null', fc.constant(null)],
    ['array', fc.array(fc.integer(), { maxLength: 3 })],
    ['object', fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.integer(), { maxKeys: 3 })],
  ];
  const excluded = [...(type === 'number' ? ['number', 'integer'] : [type]), ...also];
  return fc.oneof(...all.filter(([t]) => !excluded.includes(t)).map(([, arb]) => arb));
};

/** Every way to break one field of this schema. */
export function mutations(schema: JsonSchema): Mutation[] {
  const out: Mutation[] = [];
  const properties = schema.properties ?? {};
  for (const [field, p] of Object.entries(properties)) {
    if (isNumericId(p)) {
      // neither a whole number from 1 nor a string of its digits
      out.push(
        { field, how: 'wrong type', value: wrongTypes('integer', ['string']) },
        {
          field,
          how: 'not digits',
          value: fc.string({ maxLength: 40 }).filter((s) => !/^[0-9]{1,16}$/.test(s)),
        },
        { field, how: 'below 1', value: fc.oneof(fc.constantFrom(0, '0', -1), safeInt(-1e6, 0)) },
        {
          field,
          how: 'a fraction',
          value: fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n)),
        },
        {
          field,
          how: 'past 2^53 - 1',
          value: fc.constantFrom(2 ** 53, '9007199254740992', '9999999999999999'),
        },
      );
      continue;
    }
    out.push({ field, how: 'wrong type', value: wrongTypes(p.type) });
    if (p.type === 'integer' || p.type === 'number') {
      if (p.type === 'integer')
        out.push({
          field,
          how: 'a fraction',
          value: fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n)),
        });
      if (p.minimum !== undefined) {
        const min = p.minimum;
        out.push({
          field,
          how: 'below the minimum',
          value: fc.oneof(fc.constant(min - 1), safeInt(min - 1e6, min - 1), fc.constant(-1e308)),
        });
      }
      if (p.maximum !== undefined) {
        const max = p.maximum;
        out.push({
          field,
          how: 'above the maximum',
          value: fc.oneof(fc.constant(max + 1), fc.double({ min: max + 1, max: 1e308, noNaN: true })),
        });
      }
    }
    if (p.type === 'string') {
      if (p.maxLength !== undefined) {
        const max = p.maxLength;
        out.push({
          field,
          how: 'too long',
          value: fc.integer({ min: 1, max: 1_000 }).map((extra) => 'x'.repeat(max + extra)),
        });
      }
      if (p.minLength)
        out.push({ field, how: 'too short', value: fc.string({ maxLength: p.minLength - 1 }) });
      if (p.enum) {
        const choices = p.enum;
        out.push({ field, how: 'not a choice', value: fc.string().filter((s) => !choices.includes(s)) });
      }
      if (p.pattern) {
        const pattern = new RegExp(p.pattern, 'u');
        out.push({
          field,
          how: 'not matching its pattern',
          value: fc.string({ maxLength: 50 }).filter((s) => !pattern.test(s)),
        });
      }
    }
  }
  for (const field of schema.required ?? [])
    out.push({ field, how: 'missing', value: fc.constant(undefined), remove: true });
  if (schema.additionalProperties === false) {
    const known = new Set(Object.keys(properties));
    out.push({
      field: '(extra)',
      how: 'an unknown field',
      value: fc
        .stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/)
        .filter((key) => !known.has(key) && key !== '__proto__'),
    });
  }
  return out;
}

/** A valid input with exactly one field broken. */
export function brokenArgs(schema: JsonSchema, spec: ToolSpec): fc.Arbitrary<Broken> {
  const all = mutations(schema);
  return fc.tuple(validArgs(schema, spec), fc.constantFrom(...all)).chain(([base, m]) =>
    m.value.map((value): Broken => {
      const args = { ...base };
      if (m.field === '(extra)') {
        args[value as string] = 'extra';
        return { args, field: value as string, how: m.how };
      }
      if (m.remove) delete args[m.field];
      else args[m.field] = value;
      return { args, field: m.field, how: m.how };
    }),
  );
}
