import type { SecretReference } from './deployment.js';
import { readSecretText, secretSourceName } from './read-secret-text.js';

/**
 * Reads the secrets that references name: a reference is an object with one
 * key, its kind (`{ env: NAME }`, `{ file: PATH }`, a plugin's `{ vault: PATH }`),
 * whose value says where the secret is. A job may use only the kinds of the
 * engine's resolver.
 */
export interface SecretResolver {
  /** The kinds it reads: the keys a reference may have (`['env', 'file']`). */
  readonly kinds: readonly string[];
  /**
   * The secret's text. MUST settle within a bounded time (or when `signal`
   * aborts), and reject with a `ConnectorError` (`GIPKIT_CONNECTOR_SECRET`)
   * whose message names the reference, never the content.
   */
  read(reference: SecretReference, options: { readonly signal?: AbortSignal }): Promise<string>;
  /** Where a reference points, for messages: `environment variable NAME`. Never the secret. */
  describe(reference: SecretReference): string;
}

/** The kind of a reference: its one key. */
export function secretKindOf(reference: SecretReference): string {
  return Object.keys(reference)[0] ?? '';
}

/** `{ env }` from the environment, `{ file }` from a regular file, with `readSecretText`'s limits. */
export const builtInSecretResolver: SecretResolver = Object.freeze({
  kinds: Object.freeze(['env', 'file']),
  read: (reference: SecretReference, options: { readonly signal?: AbortSignal }) => readSecretText(reference, options.signal === undefined ? {} : { signal: options.signal }),
  describe: secretSourceName,
});
