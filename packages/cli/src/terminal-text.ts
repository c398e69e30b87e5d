import { escapeUnprintable } from '@gipkit/plugin-api';

/**
 * Everything the CLI prints goes through here. Ids, rule messages, guest
 * output and error messages come from files an attacker may write: each line
 * is escaped on its own (`\u{1b}`), so no value can clear the screen, move the
 * cursor or add a line that looks like output.
 */
export function printableLines(lines: readonly string[]): string {
  return lines.map(escapeUnprintable).join('\n');
}

/** One line of text: an embedded newline is escaped too. */
export const printable = escapeUnprintable;

// Not C0: JSON.stringify escapes C0 inside strings, and the newlines of indented JSON are structure.
const UNPRINTABLE_IN_JSON = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * JSON for a terminal or a pipe: `JSON.stringify` escapes C0 controls but
 * writes C1 controls, bidirectional overrides and line separators as they are;
 * these become `\uXXXX` escapes too, so the JSON means the same and shows safely.
 */
export function printableJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNPRINTABLE_IN_JSON, (character) => {
    let escaped = '';
    for (let i = 0; i < character.length; i++) escaped += `\\u${character.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return escaped;
  });
}
