/**
 * How a POSIX shell reads a simple command, written independently of the
 * quoting in `../posix-shell.ts` so that tests check one against the other.
 * Anything the simulation does not cover (expansions, globs, pipelines,
 * several commands) is an error: reaching it means something was not quoted.
 */

/** A simple command: its words and where it redirected the standard streams. */
export interface ShellInvocation {
  readonly argv: readonly string[];
  readonly stdin?: string;
  readonly stdout?: string;
  readonly stderr?: string;
}

const BLANK = /[ \t\n]/;
const UNSUPPORTED = /[$`;&|()*?[\]{}!]/;

export function interpretShellCommand(command: string): ShellInvocation {
  const argv: string[] = [];
  const redirects: { stdin?: string; stdout?: string; stderr?: string } = {};
  let i = 0;

  const readWord = (): { value: string; digitsOnly: boolean } => {
    let value = '';
    let quoted = false;
    const start = i;
    while (i < command.length) {
      const char = command[i] ?? '';
      if (BLANK.test(char) || char === '<' || char === '>') break;
      if (char === "'") {
        const end = command.indexOf("'", i + 1);
        if (end < 0) throw new Error('simulated sh: unterminated single quote');
        value += command.slice(i + 1, end);
        quoted = true;
        i = end + 1;
      } else if (char === '"') {
        quoted = true;
        i++;
        for (;;) {
          const inner = command[i];
          if (inner === undefined) throw new Error('simulated sh: unterminated double quote');
          i++;
          if (inner === '"') break;
          if (inner === '$' || inner === '`') throw new Error('simulated sh: expansion inside double quotes is not simulated');
          if (inner === '\\' && /[$`"\\\n]/.test(command[i] ?? '')) {
            if (command[i] !== '\n') value += command[i];
            i++;
          } else {
            value += inner;
          }
        }
      } else if (char === '\\') {
        if (command[i + 1] !== '\n') value += command[i + 1] ?? '';
        quoted = true;
        i += 2;
      } else if (UNSUPPORTED.test(char) || ((char === '~' || char === '#') && i === start)) {
        throw new Error(`simulated sh: unquoted ${char} is not simulated`);
      } else {
        value += char;
        i++;
      }
    }
    return { value, digitsOnly: !quoted && /^[0-9]+$/.test(value) };
  };

  const redirect = (fd: number): void => {
    const operator = command[i];
    i++;
    if (command[i] === '>') i++;
    while (BLANK.test(command[i] ?? '')) i++;
    const target = readWord().value;
    if (target === '') throw new Error('simulated sh: a redirection needs a target');
    const stream = fd === 0 || operator === '<' ? 'stdin' : fd === 1 ? 'stdout' : fd === 2 ? 'stderr' : undefined;
    if (stream === undefined) throw new Error(`simulated sh: file descriptor ${fd} is not simulated`);
    redirects[stream] = target;
  };

  for (;;) {
    while (BLANK.test(command[i] ?? '')) i++;
    if (i >= command.length) break;
    const char = command[i];
    if (char === '<' || char === '>') {
      redirect(char === '<' ? 0 : 1);
      continue;
    }
    const word = readWord();
    if (word.digitsOnly && (command[i] === '<' || command[i] === '>')) redirect(Number(word.value));
    else argv.push(word.value);
  }
  return { argv, ...redirects };
}
