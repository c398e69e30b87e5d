/**
 * How a Windows guest reads command lines, written independently of the
 * quoting in `../windows-command-line.ts` so that tests check one against the
 * other.
 */

const isBlank = (char: string | undefined): boolean => char === ' ' || char === '\t';

/**
 * Splits a command line as `CommandLineToArgvW` does. The program (first
 * word) ends at the next double quote when it starts with one, else at the
 * first blank, with no escapes. In the arguments, 2n backslashes before a
 * double quote give n backslashes and the quote toggles quoting; 2n+1 give n
 * backslashes and a literal quote; other backslashes are literal; `""` inside
 * quotes is a literal quote.
 */
export function splitWindowsCommandLine(commandLine: string): string[] {
  const line = commandLine.replace(/^[ \t]+/, '');
  const argv: string[] = [];
  let i = 0;
  if (line.startsWith('"')) {
    const end = line.indexOf('"', 1);
    argv.push(end < 0 ? line.slice(1) : line.slice(1, end));
    i = end < 0 ? line.length : end + 1;
  } else {
    while (i < line.length && !isBlank(line[i])) i++;
    argv.push(line.slice(0, i));
  }
  for (;;) {
    while (isBlank(line[i])) i++;
    if (i >= line.length) return argv;
    let arg = '';
    let quoted = false;
    while (i < line.length && (quoted || !isBlank(line[i]))) {
      const char = line[i];
      if (char === '\\') {
        let backslashes = 0;
        while (line[i] === '\\') {
          backslashes++;
          i++;
        }
        if (line[i] === '"') {
          arg += '\\'.repeat(Math.floor(backslashes / 2));
          if (backslashes % 2 === 1) {
            arg += '"';
            i++;
          }
        } else {
          arg += '\\'.repeat(backslashes);
        }
      } else if (char === '"') {
        if (quoted && line[i + 1] === '"') {
          arg += '"';
          i += 2;
        } else {
          quoted = !quoted;
          i++;
        }
      } else {
        arg += char;
        i++;
      }
    }
    argv.push(arg);
  }
}

/** What `cmd.exe /c` runs: the command line it passes on, split, and where it redirected the standard streams. */
export interface CmdInvocation {
  /** `cmd.exe`'s switches before `/c`, lower case (`/d`, `/s`, `/v:off`). */
  readonly switches: readonly string[];
  /** The command line after cmd.exe removed carets and redirections. */
  readonly commandLine: string;
  readonly argv: readonly string[];
  readonly stdin?: string;
  readonly stdout?: string;
  readonly stderr?: string;
}

/** The variables simulated `cmd.exe` expands by default. */
const ENVIRONMENT: Readonly<Record<string, string>> = {
  PATH: 'C:\\Windows\\system32;C:\\Windows',
  SystemRoot: 'C:\\Windows',
  TEMP: 'C:\\Windows\\Temp',
  USERNAME: 'Administrator',
};

/**
 * cmd.exe's first pass on a command line: `%NAME%` becomes the variable's
 * value (names match case-insensitively) wherever it stands, quoted or not;
 * an undefined one stays as written, and scanning goes on at its second `%`.
 */
function expandVariables(text: string, environment: Readonly<Record<string, string>>): string {
  const lookup = new Map(Object.entries(environment).map(([name, value]) => [name.toUpperCase(), value]));
  let out = '';
  let i = 0;
  while (i < text.length) {
    const end = text[i] === '%' ? text.indexOf('%', i + 1) : -1;
    const value = end < 0 ? undefined : lookup.get(text.slice(i + 1, end).toUpperCase());
    if (value !== undefined) {
      out += value;
      i = end + 1;
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

/**
 * Reads a `cmd.exe … /s /c "…"` command line as cmd.exe does, for the
 * simulation (one command; `environment` holds the variables, a few by
 * default): `/s` strips the outer quotes; `%NAME%` expands; outside quotes
 * `^` escapes the next character (an escaped `"` does not start quoting) and
 * `<`, `>`, `n>` redirect; `&` and `|` are not simulated.
 */
export function interpretCmdCommandLine(commandLine: string, environment: Readonly<Record<string, string>> = ENVIRONMENT): CmdInvocation {
  const line = commandLine.replace(/^[ \t]+/, '');
  let i = line.startsWith('"') ? line.indexOf('"', 1) + 1 : line.search(/[ \t]|$/);
  const switches: string[] = [];
  let rest: string | undefined;
  while (rest === undefined) {
    while (isBlank(line[i])) i++;
    if (line[i] !== '/') throw new Error(`simulated cmd.exe: expected /c in ${commandLine}`);
    const end = line.slice(i).search(/[ \t]|$/) + i;
    const option = line.slice(i, end).toLowerCase();
    if (option === '/c') rest = line.slice(end).replace(/^[ \t]+/, '');
    else switches.push(option);
    i = end;
  }
  if (!switches.includes('/s')) throw new Error('simulated cmd.exe: only /s quote handling is simulated');
  if (rest.startsWith('"')) {
    const last = rest.lastIndexOf('"');
    rest = last > 0 ? `${rest.slice(1, last)}${rest.slice(last + 1)}` : rest.slice(1);
  }
  rest = expandVariables(rest, environment);
  const redirects: { stdin?: string; stdout?: string; stderr?: string } = {};
  let out = '';
  let quoted = false;
  let j = 0;
  while (j < rest.length) {
    const char = rest[j] ?? '';
    if (char === '"') {
      quoted = !quoted;
      out += char;
      j++;
    } else if (quoted) {
      out += char;
      j++;
    } else if (char === '^') {
      out += rest[j + 1] ?? '';
      j += 2;
    } else if (char === '&' || char === '|') {
      throw new Error(`simulated cmd.exe runs one command; found an unescaped ${char}`);
    } else if (char === '<' || char === '>') {
      let handle = char === '<' ? 0 : 1;
      const digit = /(?:^|[ \t])([0-9])$/.exec(out);
      if (char === '>' && digit !== null) {
        handle = Number(digit[1]);
        out = out.slice(0, -1);
      }
      j++;
      if (rest[j] === '>') j++;
      while (isBlank(rest[j])) j++;
      let target = '';
      if (rest[j] === '"') {
        const end = rest.indexOf('"', j + 1);
        target = rest.slice(j + 1, end < 0 ? rest.length : end);
        j = end < 0 ? rest.length : end + 1;
      } else {
        while (j < rest.length && !/[ \t<>&|]/.test(rest[j] ?? '')) target += rest[j++] ?? '';
      }
      if (handle === 0) redirects.stdin = target;
      else if (handle === 1) redirects.stdout = target;
      else if (handle === 2) redirects.stderr = target;
      else throw new Error(`simulated cmd.exe: handle ${handle} is not simulated`);
    } else {
      out += char;
      j++;
    }
  }
  const passed = out.trim();
  return { switches, commandLine: passed, argv: splitWindowsCommandLine(passed), ...redirects };
}
