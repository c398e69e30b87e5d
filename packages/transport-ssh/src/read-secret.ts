import { ConnectorError, ErrorCode, type SecretReference, type SecretResolver } from '@gipkit/plugin-api';
import ssh2 from 'ssh2';

/** A secret read for one connection. Never logged, never put in a message. */
export type Credential =
  | { readonly kind: 'password'; readonly password: string; readonly source: string }
  | { readonly kind: 'private-key'; readonly privateKey: string; readonly source: string };

/** Shorter secret fragments are not redacted (they would mangle ordinary output). */
const MIN_REDACTED_LENGTH = 4;

/**
 * Reads the secret a reference names, at connect time, with the engine's
 * secret resolver (by default plugin-api's `builtInSecretResolver`: `{ env }`
 * from the environment, `{ file }` from a regular file only (a FIFO or a
 * device is refused at once, never waited on), at most 64 KiB, within 5 s or
 * until `signal` aborts; an empty or whitespace-only secret is refused). Text starting with `-----BEGIN` is a private key
 * (OpenSSH or PEM, without passphrase); anything else is a password (one
 * trailing newline removed). Errors name the variable or the path, never the
 * content.
 */
export async function readSecret(resolver: SecretResolver, secret: SecretReference | undefined, account: string, signal?: AbortSignal): Promise<Credential> {
  if (secret === undefined) {
    throw new ConnectorError(ErrorCode.SecretUnavailable, `no secret is configured for account ${account}: give credentials.secret ({ env } or { file })`);
  }
  const source = resolver.describe(secret);
  let text: string;
  try {
    text = await resolver.read(secret, signal === undefined ? {} : { signal });
  } catch (error) {
    throw new ConnectorError(ErrorCode.SecretUnavailable, `the secret for account ${account} cannot be used: ${error instanceof Error ? error.message : `${source} cannot be read`}`);
  }
  if (text.trimStart().startsWith('-----BEGIN')) {
    const parsed = ssh2.utils.parseKey(text);
    if (parsed instanceof Error) {
      // parseKey's messages are fixed strings ("Encrypted private OpenSSH key detected, but no passphrase given"), still redacted.
      throw new ConnectorError(
        ErrorCode.SecretUnavailable,
        `the private key in ${source} cannot be used: ${redactor(text)(parsed.message)} (keys with a passphrase are not supported)`,
      );
    }
    return { kind: 'private-key', privateKey: text, source };
  }
  return { kind: 'password', password: text.replace(/\r?\n$/, ''), source };
}

/** Removes a secret (and, for a key, each line of it) from text that leaves the connector. */
export function redactor(secret: string): (text: string) => string {
  const fragments = [secret, secret.replace(/\r?\n$/, ''), ...secret.split(/\r?\n/).map((line) => line.trim())]
    .filter((fragment) => fragment.length >= MIN_REDACTED_LENGTH && !/^-----(BEGIN|END) /.test(fragment))
    .sort((a, b) => b.length - a.length);
  const unique = [...new Set(fragments)];
  return (text) => unique.reduce((result, fragment) => result.split(fragment).join('[secret]'), text);
}

export function redactorFor(credential: Credential): (text: string) => string {
  return redactor(credential.kind === 'password' ? credential.password : credential.privateKey);
}
