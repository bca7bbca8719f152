// How a search query's text becomes index lookups, literally: nothing the user types is syntax.
//
// - Full-text (FTS5, unicode61): every whitespace-separated term that has a letter or digit becomes
//   a quoted FTS5 string (`"o'hara"*`, any `"` doubled), prefix-matched. Quoted, `AND`, `OR`,
//   `NEAR`, `*`, `^`, `:` and parentheses are text to find, never operators.
// - Literal terms: a term with any other character (punctuation, symbols) must also appear as
//   typed, ignoring case, in the name or the email (`cdb_contains_all`, below), because the
//   tokenizer drops punctuation: `o'hara` must not match "O Hara", and `50%` needs the `%`.
// - Symbols: a query with no letter or digit at all (`%`, `_`, `'`, `--`) has no word to look up;
//   it goes through `customer_symbols`, an index of which customers have which punctuation
//   character (kept by triggers), and then the same literal check. No LIKE anywhere, so `%` and
//   `_` are never wildcards.
import { AppError } from '@mcp-stack/core';
import type { Database } from 'better-sqlite3';
import { QUERY_TERMS_MAX } from './schemas.ts';

/** Characters unicode61 keeps in tokens (letters, digits; marks fold into their letter). */
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;
const OTHER_CHAR = /[^\p{L}\p{N}\p{M}]/u;
/** Symbols in nearly every email: the last choice for the symbol index lookup. */
const COMMON_SYMBOLS = new Set(['@', '.', '-', '_', '+']);

export interface SearchPlan {
  /** An FTS5 query of quoted, prefix-matched phrases, when some term has a letter or digit. */
  match?: string;
  /** One character for `customer_symbols`, when no term has a letter or digit. */
  symbol?: string;
  /** Folded terms that must each appear in the name or the email (terms with punctuation). */
  literals: string[];
}

/** Case-insensitive comparison form: NFC, then lower case. */
export function fold(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

/** The plan for a query; `undefined` when it has nothing to search for (blank). */
export function planSearch(query: string): SearchPlan | undefined {
  const seen = new Set<string>();
  const terms: string[] = [];
  // control characters separate terms too: no name or email has one, and FTS5 stops reading at NUL
  for (const term of query.split(/[\s\p{Cc}]+/u)) {
    const folded = fold(term);
    if (folded === '' || seen.has(folded)) continue;
    seen.add(folded);
    terms.push(term);
  }
  if (terms.length === 0) return undefined;
  if (terms.length > QUERY_TERMS_MAX) {
    throw new AppError(
      'INVALID_INPUT',
      `query: at most ${QUERY_TERMS_MAX} distinct words (got ${terms.length}); search for fewer, more specific words`,
    );
  }
  const literals = terms.filter((term) => OTHER_CHAR.test(term)).map(fold);
  const words = distinctPhrases(terms.filter((term) => WORD_CHAR.test(term)));
  if (words.length) {
    return { match: words.map((term) => `"${term.replaceAll('"', '""')}"*`).join(' '), literals };
  }
  return { symbol: pickSymbol(terms), literals };
}

/** Characters FTS5's unicode61 keeps in a token (letters, digits, marks, private use). */
const NOT_TOKEN = /[^\p{L}\p{N}\p{M}\p{Co}]+/u;
const ASCII_WORD = /^[a-z0-9]+$/;

/**
 * The terms whose phrases differ. A prefix phrase longer than the index's prefixes (3) makes
 * FTS5 merge the lists of every word so starting, which costs in proportion to the customers
 * who have one, so a query must not ask for the same list twice: terms that reach FTS5 as the
 * same tokens (`exampl`, `exampl!`, `(exampl)`) keep one phrase, and a one-word ASCII term
 * that begins a word of another term (`exam` beside `example`, `o` beside `o'hara`) is implied
 * by it and dropped. Punctuated terms are still checked literally; the results are the same.
 */
function distinctPhrases(terms: ReadonlyArray<string>): string[] {
  const keyed = new Map<string, string>();
  for (const term of terms) {
    const key = fold(term).split(NOT_TOKEN).filter(Boolean).join(' ');
    if (!keyed.has(key)) keyed.set(key, term);
  }
  const keys = [...keyed.keys()];
  const implied = (key: string) =>
    ASCII_WORD.test(key) &&
    keys.some((other) => other !== key && other.split(' ').some((token) => token.startsWith(key)));
  return [...keyed].filter(([key]) => !implied(key)).map(([, term]) => term);
}

/** A character of the query for the symbol index: a rare one, without case forms, when possible. */
function pickSymbol(terms: ReadonlyArray<string>): string {
  const chars = terms.flatMap((term) => [...term]);
  const caseless = chars.filter((c) => c.toLowerCase() === c && c.toUpperCase() === c);
  return (
    caseless.find((c) => !COMMON_SYMBOLS.has(c)) ?? caseless[0] ?? (chars[0] as string) // a term is never empty
  );
}

/**
 * `cdb_contains_all(name, email, terms_json)`: 1 when every folded term occurs in the folded name
 * or email. A JS function on each connection (not in the schema), so other tools can still open
 * the file; one parameter whatever the number of terms, so the SQL has a fixed shape.
 */
export function registerSearchFunctions(db: Database): void {
  let lastJson = '';
  let lastTerms: string[] = [];
  db.function('cdb_contains_all', { deterministic: true }, (name: unknown, email: unknown, json: unknown) => {
    if (json !== lastJson) {
      lastTerms = JSON.parse(String(json)) as string[];
      lastJson = String(json);
    }
    const n = fold(String(name));
    const e = fold(String(email));
    return lastTerms.every((term) => n.includes(term) || e.includes(term)) ? 1 : 0;
  });
}
