import { secretKindOf, type Job, type Plan, type SecretReference, type SecretResolver } from '@gipkit/plugin-api';
import { fragmentsOf, redactWith } from '../engine/secret-redaction.js';

/** A secret reference a run needs, and the account it is for (for messages). */
export interface NeededSecret {
  readonly reference: SecretReference;
  readonly account: string;
}

/** The distinct secret references of the VMs a plan will connect to (not those it skips or left unassigned). */
export function secretsOfRun(job: Job, plan: Plan): NeededSecret[] {
  const needed = new Map<string, NeededSecret>();
  for (const decision of plan.decisions) {
    if (decision.status === 'not-required' || decision.status === 'unassigned' || decision.proxy === null) continue;
    const credentials = job.vmCredentials[decision.vm] ?? job.credentials;
    if (credentials.kind !== 'standard' || credentials.secret === undefined) continue;
    const key = keyOf(credentials.secret);
    if (!needed.has(key)) needed.set(key, { reference: credentials.secret, account: credentials.account });
  }
  return [...needed.values()];
}

function keyOf(reference: SecretReference): string {
  const kind = secretKindOf(reference);
  return JSON.stringify([kind, Object.getOwnPropertyDescriptor(reference, kind)?.value]);
}

/**
 * The secrets of one run, read once before any connection (never again per
 * error): what redaction removes from every message that leaves a connector
 * or a dispatcher (defence in depth: connectors MUST NOT put secrets in
 * errors; this catches one that does).
 */
export class RunSecrets {
  readonly #fragments = new Map<string, readonly string[]>();
  readonly #resolver: SecretResolver;

  /** `resolver`: the engine's (`SECRET_RESOLVER`). */
  constructor(resolver: SecretResolver) {
    this.#resolver = resolver;
  }

  /**
   * Reads every reference (at once, each within its timeout). Returns one
   * problem per reference that cannot be read, naming the account and the
   * variable or file, never the content. Nothing is reported when `signal`
   * aborts meanwhile: the run is cancelled anyway.
   */
  async read(needed: readonly NeededSecret[], signal: AbortSignal): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all(needed.map(async ({ reference, account }) => {
      try {
        this.#fragments.set(keyOf(reference), fragmentsOf(await this.#resolver.read(reference, { signal })));
      } catch (error) {
        problems.push(`the secret for account ${account} cannot be used: ${error instanceof Error ? error.message : `${this.#resolver.describe(reference)} cannot be read`}`);
      }
    }));
    return signal.aborted ? [] : problems.sort();
  }

  /** Removes the referenced secret, read at the start of the run, from a message; identity when there is none. */
  redactorFor(reference: SecretReference | undefined): (text: string) => string {
    const fragments = reference === undefined ? undefined : this.#fragments.get(keyOf(reference));
    if (fragments === undefined || fragments.length === 0) return (text) => text;
    return (text) => redactWith(fragments, text);
  }

  /** Whether `reference` was read (successfully) already. */
  knows(reference: SecretReference): boolean {
    return this.#fragments.has(keyOf(reference));
  }

  /** Forgets the secrets (at the end of the run). */
  clear(): void {
    this.#fragments.clear();
  }
}
