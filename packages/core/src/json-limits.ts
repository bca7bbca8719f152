// Bounds on the shape of a parsed JSON message, checked before any schema sees it: a message
// nested thousands of levels deep overflows the stack of every recursive walker after it (zod,
// JSON.stringify in an error path), and one with hundreds of thousands of members makes every
// check of it slow and every error about it huge. The walk is iterative and stops at the first
// bound crossed, so a hostile message costs at most its own size once.

export interface JsonLimits {
  /** Deepest nesting of objects and arrays (the message itself is level 1). */
  maxDepth: number;
  /** Most members in all: object keys and array items, at every level. */
  maxMembers: number;
}

/**
 * 64 levels: an MCP request is 3 deep before its arguments, and no tool's arguments need 60 more.
 * 10,000 members: a 4 MiB body of small numbers in one array is about 1,000,000, and one of
 * 99,000 unknown arguments took a second of one thread to parse, check and refuse (at load); no
 * request a server here serves needs a hundredth of that. A long string is one member, whatever
 * its length: the body limit bounds it.
 */
export const JSON_LIMITS: JsonLimits = { maxDepth: 64, maxMembers: 10_000 };

/** What is wrong with the shape of `value`, or undefined when it is within `limits`. */
export function jsonShapeProblem(value: unknown, limits: JsonLimits = JSON_LIMITS): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const stack: Array<{ node: object; depth: number }> = [{ node: value, depth: 1 }];
  let members = 0;
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: object; depth: number };
    if (depth > limits.maxDepth) return `it is nested deeper than ${limits.maxDepth} levels`;
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    members += children.length;
    if (members > limits.maxMembers)
      return `it has more than ${limits.maxMembers} members (object keys and array items)`;
    for (const child of children)
      if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1 });
  }
  return undefined;
}

/**
 * True when `text` cannot cross `limits` whatever it holds, known without scanning it: a member
 * takes at least one character, so there are at most as many as characters, and no nesting is
 * deeper than the number of `{` and `[`. An ordinary request (a few hundred characters, a few
 * brackets) is cleared by a few `indexOf` calls, a sixth of the cost of `scanJsonShape` (62 ns
 * against 384 ns for a 2026-07-28 `tools/call` here), which then need not run.
 */
const OPENING_BRACKETS = ['{', '['] as const;

export function withinJsonLimitsByCount(text: string, limits: JsonLimits = JSON_LIMITS): boolean {
  if (text.length > limits.maxMembers) return false;
  let brackets = 0;
  for (const bracket of OPENING_BRACKETS)
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1))
      if (++brackets > limits.maxDepth) return false;
  return true;
}

/** What `scanJsonShape` found: a bound crossed, and where the top-level `id` is in the text. */
export interface JsonTextScan {
  problem: string | undefined;
  /** The range (in UTF-16 code units) of the top-level `"id"` member's value, when the scan got that far. */
  id: [start: number, end: number] | undefined;
  /** A top-level `"method"` key came before the scan stopped: the message is a request. */
  method: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

function isKey(text: string, start: number, end: number, key: string): boolean {
  return end + 1 - start === key.length && text.startsWith(key, start);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * The shape bounds checked on the text, before `JSON.parse` builds anything: parsing a hostile
 * body is itself most of its cost (99,000 keys in one object took a quarter of a second of the
 * only thread), so a body over a bound is refused without being parsed. One pass, linear in the
 * length (strings are skipped with `indexOf`), stopping at the first bound crossed. Exact for
 * valid JSON (members are commas plus non-empty containers); invalid JSON is left to
 * `JSON.parse`, unless it crosses a bound first. JSON's structural characters are ASCII, so the
 * scan reads UTF-16 code units as it would UTF-8 bytes: the body is decoded as it arrives
 * (body.ts) and never held as one buffer.
 */
export function scanJsonShape(text: string, limits: JsonLimits = JSON_LIMITS): JsonTextScan {
  let depth = 0;
  let members = 0;
  let opened = false;
  // the top-level id: a key "id" at depth 1 (of an object), then the value after its colon
  let topIsObject = false;
  // at depth 1 of the top object, where a key comes next (after its `{` or a `,`)
  let atKey = false;
  let idKeyAt = -1;
  let idStart = -1;
  let id: [number, number] | undefined;
  let method = false;
  const stopped = (problem: string | undefined): JsonTextScan => ({ problem, id, method });
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) continue;
    if (opened) {
      opened = false;
      if (code !== CLOSE_ARRAY && code !== CLOSE_OBJECT && ++members > limits.maxMembers)
        return stopped(tooMany(limits));
    }
    if (depth === 1 && idStart === -2) idStart = i; // the first character of the id's value
    const keyHere = atKey;
    atKey = false;
    if (code === QUOTE) {
      const end = stringEnd(text, i);
      if (end === -1) return stopped(undefined); // unterminated: JSON.parse says so
      if (keyHere) {
        if (idStart === -1 && isKey(text, i, end, '"id"')) idKeyAt = end;
        else if (isKey(text, i, end, '"method"')) method = true;
      }
      i = end;
      continue;
    }
    if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      if (depth === 0) topIsObject = code === OPEN_OBJECT;
      if (++depth > limits.maxDepth) return stopped(`it is nested deeper than ${limits.maxDepth} levels`);
      atKey = depth === 1 && topIsObject;
      opened = true;
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      if (depth === 1 && idStart >= 0 && id === undefined) id = [idStart, i];
      depth--;
    } else if (code === COMMA) {
      if (depth === 1 && idStart >= 0 && id === undefined) id = [idStart, i];
      atKey = depth === 1 && topIsObject;
      if (++members > limits.maxMembers) return stopped(tooMany(limits));
    } else if (code === COLON && depth === 1 && idKeyAt !== -1 && idStart === -1) {
      idStart = -2; // the value starts at the next character that is not a space
    }
  }
  return stopped(undefined);
}

/** Where the string opened by the quote at `start` closes (its quote), or -1. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

function tooMany(limits: JsonLimits): string {
  return `it has more than ${limits.maxMembers} members (object keys and array items)`;
}
