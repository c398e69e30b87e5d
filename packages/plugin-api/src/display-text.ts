/**
 * Characters that must never reach a terminal as they are: controls (C0, DEL,
 * C1), format characters (bidirectional embeddings, overrides, isolates and
 * marks; zero-width characters), line and paragraph separators, and lone
 * surrogates. One written out could clear the screen, move the cursor or
 * reorder what is shown, and so fake output.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const EACH_UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** True when the text holds a character that `escapeUnprintable` would escape. */
export function hasUnprintable(text: string): boolean {
  return UNPRINTABLE.test(text);
}

/**
 * The text with every unprintable character written as `\u{hex}` (ESC becomes
 * `\u{1b}`, a right-to-left override `\u{202e}`, a newline `\u{a}`): safe to
 * show on one line of a terminal. Idempotent; printable text is unchanged.
 */
export function escapeUnprintable(text: string): string {
  if (!UNPRINTABLE.test(text)) return text;
  return text.replace(EACH_UNPRINTABLE, (character) => `\\u{${(character.codePointAt(0) ?? 0).toString(16)}}`);
}
