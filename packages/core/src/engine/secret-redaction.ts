import type { SecretReference, SecretResolver } from '@gipkit/plugin-api';

export const REDACTED = '[redacted]';
/** Shorter secret text is not redacted (it would mangle ordinary messages). */
const MIN_REDACTED_LENGTH = 4;

/** The secret, trimmed, and (for a key file) each of its lines: a message may quote one. Longest first. */
export function fragmentsOf(text: string): string[] {
  const fragments = [text, text.trim(), ...text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length >= 16 && !line.startsWith('-----'))];
  return [...new Set(fragments.filter((fragment) => fragment.length >= MIN_REDACTED_LENGTH))].sort((a, b) => b.length - a.length);
}

/** Removes every fragment from `text`, longest first. */
export function redactWith(fragments: readonly string[], text: string): string {
  let result = text;
  for (const fragment of fragments) if (result.includes(fragment)) result = result.split(fragment).join(REDACTED);
  return result;
}

/**
 * The secret values the engine's resolver returned while runs use them: what
 * the logger removes from every line. Held by each run; forgotten when no run
 * holds it any more.
 */
export class SecretRedaction {
  #fragments: string[] = [];
  #holders = 0;

  /** Records a secret's text (and its lines) for redaction. */
  add(text: string): void {
    const next = new Set([...this.#fragments, ...fragmentsOf(text)]);
    this.#fragments = [...next].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    return this.#fragments.length === 0 ? text : redactWith(this.#fragments, text);
  }

  get active(): boolean {
    return this.#fragments.length > 0;
  }

  /** A run starts using secrets; the returned function ends that (the last one forgets them). */
  hold(): () => void {
    this.#holders++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holders--;
      if (this.#holders === 0) this.#fragments = [];
    };
  }
}

/** The engine's resolver as every component sees it: what it reads is recorded for redaction. */
export function recordingResolver(resolver: SecretResolver, redaction: SecretRedaction): SecretResolver {
  return Object.freeze({
    kinds: Object.freeze([...resolver.kinds]),
    describe: (reference: SecretReference) => resolver.describe(reference),
    read: async (reference: SecretReference, options: { readonly signal?: AbortSignal }) => {
      const text = await resolver.read(reference, options);
      if (typeof text !== 'string') throw new TypeError(`the secret resolver returned ${typeof text} for ${resolver.describe(reference)}, not text`);
      redaction.add(text);
      return text;
    },
  });
}
