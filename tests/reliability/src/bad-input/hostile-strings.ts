// Strings that break naive handling: SQL, LIKE and FTS syntax, path traversal, markup, unicode
// edge cases. Sent in every text position (tool arguments, names, URIs, prompt arguments).

export const ONE_MB = 1024 * 1024;

/** A key no server ever returns: any answer or object carrying it was polluted. */
export const MARKER = 'bad_input_polluted';

export const HOSTILE_STRINGS: ReadonlyArray<{ label: string; value: string }> = [
  { label: 'SQL injection', value: "'; DROP TABLE customers; --" },
  { label: 'SQL tautology', value: "1' OR '1'='1" },
  { label: 'SQL union', value: '1 UNION SELECT sql FROM sqlite_schema --' },
  { label: 'LIKE wildcards', value: '%_%' },
  { label: 'FTS5 syntax', value: 'NEAR(alice bob) OR name:* AND "' },
  { label: 'FTS5 column filter', value: '{name email}:alice^' },
  { label: 'path traversal', value: '../../../../etc/passwd' },
  { label: 'encoded traversal', value: '..%2f..%2f..%2fetc%2fpasswd' },
  { label: 'windows path', value: 'C:\\Windows\\System32\\config\\SAM' },
  { label: 'markup', value: '<script>alert(1)</script>' },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: template syntax is the point
  { label: 'template syntax', value: '${process.exit(1)} {{7*7}} %s%n' },
  { label: 'NUL byte', value: 'nul\u0000byte' },
  { label: 'control characters', value: 'line\nbreak\r\ttab\u001b[31m' },
  { label: 'lone high surrogate', value: 'lone\ud800surrogate' },
  { label: 'lone low surrogate', value: '\udc00' },
  { label: 'right-to-left override', value: 'abc\u202edcba' },
  { label: 'zero-width and BOM', value: '\u200b\u200d\ufeff' },
  { label: 'combining marks', value: `Z${'\u0301\u0302\u0303'.repeat(50)}` },
  { label: 'emoji ZWJ sequence', value: '👨‍👩‍👧‍👦🏳️‍🌈' },
  { label: 'astral plane', value: '𝕳𝖊𝖑𝖑𝖔 𠜎' },
  { label: 'noncharacters', value: '\uffff\ufffe' },
  { label: 'prototype key', value: '__proto__' },
  { label: 'only spaces', value: '   ' },
];
