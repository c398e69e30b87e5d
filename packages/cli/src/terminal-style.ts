/** The colours the CLI uses: red fails, yellow warns (failover, crash-consistent), green succeeds, cyan is work in progress. */
export type Colour = 'red' | 'yellow' | 'green' | 'cyan';

const SGR: Readonly<Record<Colour, string>> = { red: '31', yellow: '33', green: '32', cyan: '36' };

/**
 * Colours only on a terminal, and never when `NO_COLOR` is set to anything but
 * the empty string (https://no-color.org).
 */
export function useColour(isTerminal: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  const noColor = env.NO_COLOR;
  return isTerminal && (noColor === undefined || noColor === '');
}

/** `text` (already escaped) in a colour, or as it is. */
export function paint(text: string, colour: Colour | undefined, enabled: boolean): string {
  return enabled && colour !== undefined && text !== '' ? `\u001b[${SGR[colour]}m${text}\u001b[39m` : text;
}

/** A piece of a line: escaped text, and its colour. */
export interface Segment {
  readonly text: string;
  readonly colour?: Colour;
}

/**
 * Joins segments into one line of at most `width` columns (one per code
 * point; escaped text is printable): a longer line ends in `…`. The colour
 * codes are added after measuring, so they never count.
 */
export function fitToWidth(segments: readonly Segment[], width: number | undefined, colour: boolean): { readonly text: string; readonly width: number } {
  const total = segments.reduce((sum, segment) => sum + [...segment.text].length, 0);
  if (width === undefined || total <= width) return { text: segments.map((s) => paint(s.text, s.colour, colour)).join(''), width: total };
  const room = Math.max(0, width - 1);
  let used = 0;
  let text = '';
  for (const segment of segments) {
    if (used >= room) break;
    const characters = [...segment.text].slice(0, room - used);
    used += characters.length;
    const piece = characters.join('');
    text += piece.trim() === '' ? piece : paint(piece, segment.colour, colour);
  }
  return { text: width >= 1 ? `${text}…` : '', width: Math.min(width, used + 1) };
}
