/** `{fact.name}` placeholders in rule messages. */
const PLACEHOLDER = /\{([A-Za-z_$][\w$.-]*)\}/g;

export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}

export function formatFactValue(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(formatFactValue).join(', ');
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Fills every placeholder with the actual value of that fact. */
export function fillMessage(template: string, read: (fact: string) => unknown): string {
  return template.replace(PLACEHOLDER, (_, name: string) => formatFactValue(read(name)));
}
