import { describe, expect, it } from 'vitest';
import { deceptiveText } from './deceptive-text.ts';

describe('deceptiveText', () => {
  it.each([
    ['Alice Johnson'],
    ["Seán O'Brien-Núñez"],
    ['李小龙'],
    ['محمد عبد الله'],
    ['שרה לוי'],
    // ZWNJ inside a Persian word, ZWJ in Devanagari and in emoji sequences
    ['می\u200cخواهم'],
    ['क्\u200dष'],
    ['👨\u200d👩\u200d👧 family'],
    ['🏳\ufe0f\u200d🌈'],
    ['😀 emoji'],
  ])('accepts %s', (text) => {
    expect(deceptiveText(text)).toBeUndefined();
  });

  it.each([
    ['a lone high surrogate', 'lone\ud800', /lone surrogate/],
    ['a lone low surrogate', '\udc00x', /lone surrogate/],
    ['a reversed pair', '\ude00\ud83d', /lone surrogate/],
    ['NUL', 'a\u0000b', /control character \(U\+0000\)/],
    ['a newline', 'a\nb', /control character \(U\+000A\)/],
    ['a C1 control', 'a\u0085b', /control character \(U\+0085\)/],
    ['a right-to-left override', 'invoice\u202Efdp.exe', /bidirectional control \(U\+202E\)/],
    ['a left-to-right isolate', 'a\u2066b\u2069', /bidirectional control \(U\+2066\)/],
    ['a right-to-left mark', 'abc\u200F', /bidirectional control \(U\+200F\)/],
    ['an Arabic letter mark', '\u061Cabc', /bidirectional control \(U\+061C\)/],
    ['a zero-width space', 'Ali\u200Bce', /invisible character \(U\+200B\)/],
    ['a word joiner', 'Ali\u2060ce', /invisible character \(U\+2060\)/],
    ['a byte-order mark', '\uFEFFAlice', /invisible character \(U\+FEFF\)/],
    ['a leading joiner', '\u200DAlice', /zero-width joiner \(U\+200D\)/],
    ['a trailing non-joiner', 'Alice\u200C', /zero-width joiner \(U\+200C\)/],
    ['a joiner before a space', 'Alice\u200C Bob', /zero-width joiner/],
    ['two joiners in a row', 'a\u200D\u200Db', /zero-width joiner/],
    ['a joiner alone', '\u200D', /zero-width joiner/],
  ])('refuses %s', (_case, text, message) => {
    expect(deceptiveText(text)).toMatch(message);
  });

  it('lets control characters through when asked (a password)', () => {
    expect(deceptiveText('pass\tword', { controls: false })).toBeUndefined();
    expect(deceptiveText('pass\ud800word', { controls: false })).toMatch(/lone surrogate/);
  });
});
