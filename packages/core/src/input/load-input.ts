import { ErrorCode, InputError, type Credentials, type Diagnostic, type InputDigest, type Inventory, type Job } from '@gipkit/plugin-api';
import type { z } from 'zod';
import { checkReferences } from './check-references.js';
import { rememberPositions, type VmPositions } from './vm-positions.js';
import { fastInventory, fastJob } from './fast-shape.js';
import { lenientInventory, lenientJob } from './lenient-view.js';
import { didYouMean } from './closest-name.js';
import { inputSchemas } from './schema.js';
import { keysAt, shapeMessage } from './shape-message.js';
import { maxInputBytesOf, type ReadInputOptions } from './read-input-file.js';
import { jsonDocument, readSourceDocument, type SourceDocument } from './source-document.js';

export interface ValidInput {
  readonly inventory: Inventory;
  readonly job: Job;
  /** The files the input was read from (`loadInput`): a plan records them in `madeFrom`. */
  readonly sources?: InputSources;
}

export interface InputSources {
  readonly inventory: InputDigest;
  readonly job: InputDigest;
}

/** Keys under credentials that would hold a secret in clear. */
const CLEAR_TEXT_SECRETS = new Set(['password', 'privatekey', 'key', 'passphrase', 'token']);
const CLEAR_TEXT_SECRET_MESSAGE = 'secrets are never written in the job file; use secret: { env: NAME } or secret: { file: PATH }';

function shapeProblems(document: SourceDocument, issues: readonly z.core.$ZodIssue[], schema: z.ZodType): Diagnostic[] {
  return issues.flatMap((issue) => {
    const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) =>
        CLEAR_TEXT_SECRETS.has(key.toLowerCase()) && (path.includes('credentials') || path.includes('vmCredentials'))
          ? document.atKey([...path, key], CLEAR_TEXT_SECRET_MESSAGE, key)
          : document.atKey([...path, key], `unknown key${didYouMean(key, keysAt(schema, path))}`, key),
      );
    }
    // A secret field never echoes what it holds: it may be the secret, written where a reference belongs.
    if (path.includes('secret')) return [document.at(path.slice(0, path.indexOf('secret') + 1), CLEAR_TEXT_SECRET_MESSAGE)];
    const input = (issue as { input?: unknown }).input;
    const discriminator = (issue as { discriminator?: unknown }).discriminator;
    if (issue.code === 'invalid_union' && typeof discriminator === 'string') {
      const options = ((issue as { options?: unknown[] }).options ?? []).map(String).join(', ');
      const found = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[discriminator] : undefined;
      if (found === undefined) return [document.at(path, `missing (expected one of ${options})`)];
      const hint = typeof found === 'string' ? didYouMean(found, ((issue as { options?: unknown[] }).options ?? []).map(String)) : '';
      return [document.at(path, `unknown ${discriminator}; expected one of ${options}${hint}`, isScalar(found) ? found : undefined)];
    }
    if (input === undefined && issue.code === 'invalid_type') return [document.at(path, `missing (${issue.message})`)];
    if (issue.code === 'invalid_value' && typeof input === 'string') {
      const hint = didYouMean(input, issue.values.filter((value): value is string => typeof value === 'string'));
      return [document.at(path, `${issue.message}${hint}`, input)];
    }
    return [document.at(path, issue.message, isScalar(input) ? input : undefined)];
  });
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/**
 * What a schema's parse gives, as gipkit's types write it: zod types an optional property as `key?: T | undefined`,
 * but zod 4 never adds an absent optional key, so under `exactOptionalPropertyTypes` the output is `key?: T`.
 * Callers assign the result to plugin-api's types, so a schema that drifts from them fails to compile.
 */
type Parsed<T> = T extends readonly (infer E)[] ? readonly Parsed<E>[] : T extends object ? { readonly [K in keyof T]: Parsed<Exclude<T[K], undefined>> } : T;

function parseShape<S extends z.ZodType>(document: SourceDocument, schemaOf: () => S, fast: (data: unknown) => Parsed<z.output<S>> | undefined, problems: Diagnostic[]): Parsed<z.output<S>> | undefined {
  if (document.problems.length > 0) {
    for (const problem of document.problems) problems.push(problem);
    return undefined;
  }
  const quick = fast(document.data);
  if (quick !== undefined) return quick;
  const schema = schemaOf();
  const result = schema.safeParse(document.data, { reportInput: true, error: shapeMessage });
  if (result.success) return result.data as Parsed<z.output<S>>;
  // A loop, not push(...): one problem per VM of a large crafted inventory would overflow the call stack.
  for (const problem of shapeProblems(document, result.error.issues, schema)) problems.push(problem);
  return undefined;
}

const PROTO = '__proto__';
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The job's shape, with `vmCredentials` keyed by own property only. zod's
 * records neither check nor keep an own `__proto__` key (JSON.parse and YAML
 * make one from `"__proto__": ...`); here it is checked like any VM id, and
 * the credentials come back in a null-prototype object.
 */
function parseJobShape(document: SourceDocument, problems: Diagnostic[]): Job | undefined {
  const before = problems.length;
  const job: Job | undefined = parseShape(document, () => inputSchemas().jobSchema, fastJob, problems);
  // The fast path builds a null-prototype object itself.
  if (document.problems.length > 0 || (job !== undefined && Object.getPrototypeOf(job.vmCredentials) === null)) return job;
  const raw = isRecord(document.data) && isRecord(document.data.vmCredentials) ? document.data.vmCredentials : {};
  const own = Object.getOwnPropertyDescriptor(raw, PROTO);
  let protoCredentials: Credentials | undefined;
  if (own !== undefined) {
    const result = inputSchemas().credentialsSchema.safeParse(own.value, { reportInput: true, error: shapeMessage });
    if (result.success) protoCredentials = result.data as Parsed<typeof result.data> satisfies Credentials;
    else for (const problem of shapeProblems(document, result.error.issues.map((issue) => ({ ...issue, path: ['vmCredentials', PROTO, ...issue.path] })), inputSchemas().jobSchema)) problems.push(problem);
  }
  if (job === undefined || problems.length > before) return undefined;
  const vmCredentials = Object.create(null) as Record<string, Credentials>;
  for (const [vm, credentials] of Object.entries(job.vmCredentials)) vmCredentials[vm] = credentials;
  if (protoCredentials !== undefined) vmCredentials[PROTO] = protoCredentials;
  return { ...job, vmCredentials };
}

/**
 * Validates an inventory and a job already read into source documents: shape,
 * then references. Throws one InputError that lists every problem in both.
 */
export function validateDocuments(
  inventoryDocument: SourceDocument,
  jobDocument: SourceDocument,
  platforms: ReadonlySet<string>,
  secretKinds?: ReadonlySet<string>,
  /** The documents' data was parsed here, from files: the fast path may fill defaults into it rather than copy it. */
  ownsData = false,
): ValidInput {
  const problems: Diagnostic[] = [];
  const inventory: Inventory | undefined = parseShape(inventoryDocument, () => inputSchemas().inventorySchema, (data) => fastInventory(data, ownsData), problems);
  const job: Job | undefined = parseJobShape(jobDocument, problems);
  let positions: VmPositions | undefined;
  if (inventoryDocument.problems.length === 0 && jobDocument.problems.length === 0) {
    const checked = checkReferences({
      inventory: inventory ?? lenientInventory(inventoryDocument.data),
      job: job ?? lenientJob(jobDocument.data),
      inventoryDocument,
      jobDocument,
      platforms,
      ...(secretKinds === undefined ? {} : { secretKinds }),
    });
    // A loop, not push(...): a crafted inventory can have a problem per VM.
    for (const problem of checked.problems) problems.push(problem);
    positions = checked.positions;
  }
  if (problems.length > 0 || inventory === undefined || job === undefined) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new InputError(ErrorCode.InputInvalid, `invalid input (${count}):`, jobDocument.place(inventoryDocument.place(problems)));
  }
  if (positions !== undefined) rememberPositions(inventory, job, positions);
  const sources = inventoryDocument.digest !== undefined && jobDocument.digest !== undefined ? { inventory: inventoryDocument.digest, job: jobDocument.digest } : undefined;
  return sources === undefined ? { inventory, job } : { inventory, job, sources };
}

export interface LoadInputOptions extends ReadInputOptions {
  readonly inventory: string;
  readonly job: string;
  readonly platforms: ReadonlySet<string>;
  /** Secret reference kinds jobs may use (default `env` and `file`; an engine passes its resolver's). */
  readonly secretKinds?: ReadonlySet<string>;
}

/**
 * Reads and validates an inventory file and a job file (YAML, or JSON by
 * extension), each from a regular file of at most `maxInputBytes` (default
 * `DEFAULT_MAX_INPUT_BYTES`, 1 GiB).
 */
export function loadInput(options: LoadInputOptions): ValidInput {
  const read = { maxInputBytes: maxInputBytesOf(options) };
  return validateDocuments(readSourceDocument(options.inventory, read), readSourceDocument(options.job, read), options.platforms, options.secretKinds, true);
}

/** Validates in-memory data (for embedding products); `names` label the diagnostics. */
export function validateInput(
  data: { readonly inventory: unknown; readonly job: unknown },
  platforms: ReadonlySet<string>,
  names: { readonly inventory: string; readonly job: string } = { inventory: '<inventory>.json', job: '<job>.json' },
  secretKinds?: ReadonlySet<string>,
): ValidInput {
  const inventoryDocument = dataDocument(names.inventory, data.inventory);
  const jobDocument = dataDocument(names.job, data.job);
  return validateDocuments(inventoryDocument, jobDocument, platforms, secretKinds);
}

function dataDocument(file: string, data: unknown): SourceDocument {
  // Positions point into the data written out as indented JSON.
  return jsonDocument(file, data, () => JSON.stringify(data, null, 2) ?? 'null');
}
