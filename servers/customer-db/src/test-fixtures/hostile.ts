// Strings that break naive SQL, LIKE and FTS5 handling; each must be stored or searched literally.

export const TEN_KB = 10 * 1024;

export const HOSTILE: ReadonlyArray<string> = [
  '"',
  '""',
  "'",
  '"quoted phrase"',
  "'; DROP TABLE customers; --",
  "Robert'); DROP TABLE orders;--",
  '%',
  '_',
  '%_%',
  '100% Cotton',
  'snake_case_name',
  '*',
  'alice*',
  'AND',
  'alice OR bob',
  'NOT alice',
  'NEAR(alice bob)',
  'name:alice',
  '^alice',
  '-alice',
  '(alice)',
  '{name email}:alice',
  'back\\slash',
  '$1 ?2 :name @p',
  'nul\u0000byte', // refused as a name (control character); split on as a query
  'Zoë Ångström',
  'Ze\u0301phyr', // a combining accent
  '李小龙',
  'مرحبا بالعالم',
  '🎉 party 👨‍👩‍👧',
  'ｆｕｌｌｗｉｄｔｈ',
  `${'\'; DROP TABLE customers; -- %_"* '.repeat(Math.ceil(TEN_KB / 29))}`.slice(0, TEN_KB),
  'x'.repeat(TEN_KB),
];

/** What a literal, case-insensitive "contains" means, for checking search results. */
export function containsFolded(haystack: string, needle: string): boolean {
  return haystack.normalize('NFC').toLowerCase().includes(needle.normalize('NFC').toLowerCase());
}
