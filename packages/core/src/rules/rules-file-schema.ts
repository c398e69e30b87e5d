import type * as Zod from 'zod';
import { zod } from '../input/zod.js';

/**
 * The shape of an organisation's rules file, for `gipkit schema rules` and
 * editors. The loader (`load-rule-changes.ts`) and the rule compiler
 * (`compile-rule.ts`, `compile-conditions.ts`) are what check a file, with
 * positions and every problem at once; this schema describes the same shape
 * and is tested against the default pack and the example rules, so that an
 * editor never flags a file gipkit accepts.
 */
const CONDITION = 'A condition: all, any or not of conditions, or a fact condition.';
const ALL = 'All of a list.';

function build(z: typeof Zod.z) {
  const factName = z
    .string()
    .min(1)
    .describe('A fact: a built-in one (job.*, license.*, server.*, vm.*, pair.*; see docs/reference/rules.md) or one a plugin adds.');
  const jsonPath = z.string().describe("A plain JSONPath into the fact's value: $.a.b or $.list[0].");

  const factReference = z
    .object({ fact: factName, path: jsonPath.optional() })
    .describe('Another fact to compare with, instead of a literal value.');

  const factCondition = z
    .object({
      fact: factName,
      operator: z
        .string()
        .min(1)
        .describe(
          'How the fact compares with value: equal, notEqual, in, notIn, contains, doesNotContain, lessThan, lessThanInclusive, greaterThan, greaterThanInclusive, versionAtLeast, containsAll, intersects, or one a plugin adds; at most one decorator in front (not:, swap:, someFact:, everyFact:, someValue:, everyValue:).',
        ),
      value: z
        .union([factReference, z.unknown()])
        .describe('What the fact is compared with: a literal (string, number, boolean, null, list; in and notIn need a list) or { fact, path? }.'),
      path: jsonPath.optional(),
    })
    .describe('Compares one fact with a value.');

  type Condition = unknown;
  const condition: Zod.ZodType<Condition> = z.lazy(() => z.union([allCondition, anyCondition, notCondition, factCondition])).describe(CONDITION);
  const conditionList = z.array(condition);

  const allCondition = z.object({ all: conditionList.describe('True when every condition of the list holds (an empty list is true).') }).describe(ALL);
  const anyCondition = z.object({ any: conditionList.describe('True when one condition of the list holds (an empty list is true).') }).describe('Any of a list.');
  const notCondition = z.object({ not: z.lazy(() => condition).describe('True when this condition does not hold.') }).describe('The negation of a condition.');

  const message = z.string().min(1);

  const ruleEvent = z
    .discriminatedUnion('type', [
      z.object({
        type: z.literal('job-outcome').describe('Decides every VM of the job without looking at candidates.'),
        params: z
          .object({
            status: z
              .enum(['not-required', 'backup-server'])
              .describe('not-required: no proxy is needed; backup-server: the backup server does the guest interaction.'),
            message: message.describe('One sentence; may name job facts only, as {job.id}, {license.kind}.'),
          })
          .describe('The job outcome and its message.'),
      }),
      z.object({
        type: z.literal('exclude').describe('The candidate cannot hold the role for this VM.'),
        params: z
          .object({ message: message.describe('One sentence with {fact} placeholders, filled with the actual values: "{server.id} is a WAN accelerator".') })
          .describe('Why the candidate is excluded.'),
      }),
      z.object({
        type: z.literal('method').describe('The candidate can connect to the guest with this connection method.'),
        params: z
          .object({
            method: z.string().min(1).describe('The connection method: lan, vix, powershell-direct, or one a plugin adds.'),
            kind: z.enum(['network', 'networkless']).describe('network methods are tried first, networkless second (inverseProtocolOrder reverses).'),
            message: message.describe('What the method needs, shown when no method applies; {fact} placeholders allowed.').optional(),
          })
          .describe('The method, its kind and what it needs.'),
      }),
      z.object({
        type: z.literal('tier').describe("The candidate's priority; the lowest tier among the tier rules that fire counts."),
        params: z.object({ tier: z.number().min(0).describe('The tier: a number, 0 or more; lower wins.') }).describe('The tier.'),
      }),
    ])
    .describe('What the rule does when its conditions hold: { type, params }.');

  const ruleDocumentSchema = z
    .strictObject({
      name: z
        .string()
        .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'name must be kebab-case')
        .describe('Unique, kebab-case; replace and disable name rules by it.'),
      description: z.string().regex(/\S/, 'a rule needs a description').describe('One or two sentences: what the rule requires and why.'),
      source: z.string().describe('Where the requirement is documented: a URL or a document name.').optional(),
      priority: z
        .number()
        .int()
        .min(1)
        .describe('1 or more (default 1); higher first, then rule order: the first job-outcome rule that fires decides, and method rules of one kind are tried in this order.')
        .optional(),
      conditions: z
        .union([allCondition, anyCondition, notCondition])
        .describe(`json-rules-engine conditions: all, any or not at the top, nesting fact conditions; at most 64 levels deep.`),
      event: ruleEvent,
    })
    .describe('A rule document: json-rules-engine conditions and event, with a name and a description.');

  const rulesFileSchema = z
    .strictObject({
      add: z.array(ruleDocumentSchema).describe('New rules; a name already in use is an error.').optional(),
      replace: z.array(ruleDocumentSchema).describe('Rules that take the place of the rule of the same name (default pack, plugin or earlier file).').optional(),
      disable: z.array(z.string().describe('A rule name.')).describe('Names of rules to turn off.').optional(),
    })
    .describe("gipkit organisation rules file: rules to add, rules to replace, rule names to disable; applied after the default pack and the plugins' rules, in --rules order.");

  return rulesFileSchema;
}

let built: ReturnType<typeof build> | undefined;

/** Built on first use, for `gipkit schema rules`: zod is not loaded to read rules files. */
export function rulesFileSchema(): ReturnType<typeof build> {
  return (built ??= build(zod().z));
}

/**
 * Names for the definitions the JSON Schema of a rules file shares (conditions
 * nest), by their description: `#/$defs/condition` rather than zod's `__schema1`.
 */
export const RULES_DEFINITION_NAMES: ReadonlyMap<string, string> = new Map([
  [CONDITION, 'condition'],
  [ALL, 'allCondition'],
]);
