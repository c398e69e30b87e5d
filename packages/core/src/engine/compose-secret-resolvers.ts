import { ConnectorError, ErrorCode, PluginError, secretKindOf, secretSourceName, type SecretReference, type SecretResolver } from '@gipkit/plugin-api';

/** Secret kinds are keys of a reference: `env`, `vault`, `aws-secrets`. */
const KIND = /^[a-z][a-z0-9-]*$/;

/**
 * One resolver for every kind: each reference goes to the resolver that
 * declares its kind. A kind declared twice, or a name that is not a kind,
 * is a plugin error naming both plugins.
 */
export function composeSecretResolvers(resolvers: readonly { readonly owner: string; readonly resolver: SecretResolver }[]): SecretResolver {
  const byKind = new Map<string, { readonly owner: string; readonly resolver: SecretResolver }>();
  for (const entry of resolvers) {
    const { kinds } = entry.resolver;
    if (!Array.isArray(kinds) || kinds.length === 0 || typeof entry.resolver.read !== 'function' || typeof entry.resolver.describe !== 'function') {
      throw new PluginError(ErrorCode.PluginInvalid, entry.owner, 'a secret resolver needs kinds (at least one), read(reference, options) and describe(reference)');
    }
    for (const kind of kinds) {
      if (typeof kind !== 'string' || !KIND.test(kind)) throw new PluginError(ErrorCode.PluginInvalid, entry.owner, `secret kind ${JSON.stringify(kind)} must match ${KIND.source}`);
      const taken = byKind.get(kind);
      if (taken !== undefined) throw new PluginError(ErrorCode.PluginInvalid, entry.owner, `secret kind ${kind} is already read by ${taken.owner}`);
      byKind.set(kind, entry);
    }
  }
  const resolverOf = (reference: SecretReference): SecretResolver => {
    const kind = secretKindOf(reference);
    const entry = byKind.get(kind);
    if (entry === undefined) throw new ConnectorError(ErrorCode.SecretUnavailable, `${secretSourceName(reference)}: no secret resolver reads ${kind} references`);
    return entry.resolver;
  };
  return Object.freeze({
    kinds: Object.freeze([...byKind.keys()]),
    read: async (reference: SecretReference, options: { readonly signal?: AbortSignal }) => resolverOf(reference).read(reference, options),
    describe: (reference: SecretReference) => (byKind.get(secretKindOf(reference))?.resolver ?? { describe: secretSourceName }).describe(reference),
  });
}
