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
/** Every character above is past ASCII: all-ASCII JSON (a large plan of ASCII ids) needs no second scan. */
const BEYOND_ASCII = /[^\u0000-\u007e]/;

/**
 * JSON for a terminal or a pipe: `JSON.stringify` escapes C0 controls but
 * writes C1 controls, bidirectional overrides and line separators as they are;
 * these become `\uXXXX` escapes too, so the JSON means the same and shows safely.
 */
export function printableJson(value: unknown, indent?: number): string {
  return escapeJson(JSON.stringify(value, null, indent));
}

function escapeJson(json: string): string {
  if (!BEYOND_ASCII.test(json)) return json;
  return json.replace(UNPRINTABLE_IN_JSON, (character) => {
    let escaped = '';
    for (let i = 0; i < character.length; i++) escaped += `\\u${character.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return escaped;
  });
}

/**
 * Items of a large list written per this many: the JSON is never one string of the whole (17 MB for 100,000
 * VMs). 512 decisions are some 90 KB of JSON, under V8's large-object size (128 KB): each piece dies young, in
 * a scavenge, where pieces of 4,096 (700 KB) waited for a full collection and kept 6–8 MB more resident.
 */
const ITEMS_PER_WRITE = 512;

/**
 * `printableJson(value)` followed by a newline, written in pieces: the array
 * under `key` a few hundred items at a time. The text is the same, byte for
 * byte; the process never holds all of it, nor its encoding, at once. After
 * each piece it waits for `drained` (stdout took it): a reader slower than the
 * planner (a pipe into another program) does not make the rest queue in memory.
 */
export async function writePrintableJson<T extends object>(value: T, key: keyof T & string, write: (text: string) => void, drained: () => Promise<void> = async () => undefined): Promise<void> {
  const fields = value as Readonly<Record<string, unknown>>;
  const list = fields[key];
  if (!Array.isArray(list)) {
    write(`${printableJson(value)}\n`);
    return;
  }
  let text = '{';
  let first = true;
  for (const name of Object.keys(value)) {
    const separator = first ? '' : ',';
    if (name === key) {
      write(escapeJson(`${text}${separator}${JSON.stringify(name)}:[`));
      for (let start = 0; start < list.length; start += ITEMS_PER_WRITE) {
        // Escaped while it is one flat string (escapes never touch the brackets), then written without them.
        const chunk = escapeJson(JSON.stringify(list.slice(start, start + ITEMS_PER_WRITE)));
        if (start > 0) write(',');
        write(chunk.slice(1, -1));
        await drained();
      }
      text = ']';
    } else {
      // What JSON.stringify leaves out (undefined, a function) is left out here too.
      const json: string | undefined = JSON.stringify(fields[name]);
      if (json === undefined) continue;
      text += `${separator}${JSON.stringify(name)}:${json}`;
    }
    first = false;
  }
  write(`${escapeJson(text)}}\n`);
}
