// Text that lies: characters that make a string show something other than what it holds, or
// that storage would silently change. A name, an email or a search filter refuses them, so what
// an agent or a person reads is what was stored and what will be matched.

/** Unicode's Bidi_Control class: overrides, embeddings, isolates and the three marks. */
const BIDI = /\p{Bidi_Control}/u;
/** Zero-width and invisible characters that have no place between two visible ones. */
const INVISIBLE = /[\u180e\u200b\u2060-\u2064\ufeff]/u;
/** ZWNJ and ZWJ: needed inside words of some scripts (Persian, Indic) and emoji sequences. */
const JOINER = /[\u200c\u200d]/gu;
/** What a joiner may sit between: letters, marks (variation selectors among them), digits, emoji. */
const JOINABLE = /[\p{L}\p{M}\p{N}\p{Extended_Pictographic}]/u;
const CONTROL = /\p{Cc}/u;
/** Half of a UTF-16 pair with no other half (no `u` flag: the halves are matched one by one). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface DeceptiveTextOptions {
  /** Also refuse control characters (C0, DEL, C1: tab, newline, NUL among them). Default true. */
  controls?: boolean;
}

/** `U+202E` */
function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * What is wrong with `text`, as a phrase for an error message (`contains a bidirectional
 * control (U+202E)`), or undefined when it shows what it holds. Refused: lone surrogates (stored
 * as U+FFFD, silently another string), bidirectional controls (text shown reordered), zero-width
 * spaces and word joiners (invisible), ZWNJ/ZWJ anywhere but between two letters, digits or emoji,
 * and (unless `controls: false`) control characters (NUL cuts C strings short in SQLite's LIKE).
 */
export function deceptiveText(text: string, options: DeceptiveTextOptions = {}): string | undefined {
  if (LONE_SURROGATE.test(text))
    return 'contains a lone surrogate (half of a UTF-16 pair), which cannot be stored';
  if (options.controls !== false) {
    const control = CONTROL.exec(text)?.[0];
    if (control !== undefined) return `contains a control character (${codePoint(control)})`;
  }
  const bidi = BIDI.exec(text)?.[0];
  if (bidi !== undefined)
    return `contains a bidirectional control (${codePoint(bidi)}), which reorders how text is shown`;
  const invisible = INVISIBLE.exec(text)?.[0];
  if (invisible !== undefined) return `contains an invisible character (${codePoint(invisible)})`;
  for (const match of text.matchAll(JOINER)) {
    const at = match.index;
    // read whole code points on each side: an emoji is a surrogate pair
    const before = at >= 2 && isLowSurrogate(text.charCodeAt(at - 1)) ? at - 2 : at - 1;
    const prev = at > 0 ? String.fromCodePoint(text.codePointAt(before) ?? 0) : '';
    const next = at + 1 < text.length ? String.fromCodePoint(text.codePointAt(at + 1) ?? 0) : '';
    if (!JOINABLE.test(prev) || !JOINABLE.test(next))
      return `contains a zero-width joiner (${codePoint(match[0])}) outside a word or emoji sequence`;
  }
  return undefined;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
