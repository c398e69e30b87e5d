import type { Explanation } from '@gipkit/plugin-api';
import { formatRulesApplied, markedRule } from '../format-rules-applied.js';
import { formatTable } from '../format-table.js';
import { printableLines } from '../terminal-text.js';

/** How many server ids a grouped finding lists before "and N more". */
const SERVERS_SHOWN = 6;

function serversOf(servers: readonly string[]): string {
  if (servers.length === 1) return servers[0] ?? '';
  const shown = servers.slice(0, SERVERS_SHOWN).join(', ');
  const more = servers.length > SERVERS_SHOWN ? ` and ${servers.length - SERVERS_SHOWN} more` : '';
  return `${servers.length} servers (${shown}${more})`;
}

export function formatExplanation(explanation: Explanation): string {
  const { decision, rules } = explanation;
  const lines = [
    `VM ${explanation.vm} in job ${explanation.job}: ${decision.status}${decision.proxy === null ? '' : ` → ${decision.proxy}`}` +
      (decision.tier === null ? '' : ` (tier ${decision.tier}, ${decision.connection ?? 'no connection'}, load ${decision.load})`),
    ...(explanation.rootCause === undefined ? [] : [`Root cause: ${explanation.rootCause}`]),
    formatRulesApplied(rules),
    '',
    ...formatTable(
      ['SERVER', 'VERDICT', 'TIER', 'LOAD', 'METHODS', 'BACKUP SERVER'],
      // With measured loads, each says where it came from: `2 (agents)`, `0 (inventory)`.
      explanation.candidates.map((c) => [c.server, c.verdict, c.tier === null ? '-' : String(c.tier), c.loadFrom === undefined ? String(c.load) : `${c.load} (${c.loadFrom})`, c.methods.join(', ') || '-', c.isBackupServer ? 'yes' : '']),
    ).split('\n'),
  ];
  if (explanation.findings.length > 0) {
    lines.push('', 'Rules failed:');
    for (const finding of explanation.findings) lines.push(`  ${serversOf(finding.servers)}: ${markedRule(finding.rule, rules)}: ${finding.message}`);
  }
  // The root cause is printed at the top already.
  const because = explanation.rootCause === undefined ? explanation.because : explanation.because.filter((sentence) => !sentence.startsWith('Root cause: '));
  lines.push('', 'Why:', ...because.map((sentence) => `  ${sentence}`));
  return printableLines(lines);
}
