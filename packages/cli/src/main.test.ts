import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExitCode, type CliIo } from './cli-io.js';
import { main } from './main.js';

async function cli(...argv: string[]): Promise<{ code: ExitCode; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const COMMANDS = ['plan', 'run', 'agent', 'explain', 'validate', 'schema'];

/** The option lines of a help text, each with its wrapped continuation lines joined. */
function optionEntries(help: string): string[] {
  const section = help.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? '';
  const entries: string[] = [];
  for (const line of section.split('\n')) {
    if (/^ {2}-/.test(line)) entries.push(line.trim());
    else entries[entries.length - 1] += ` ${line.trim()}`;
  }
  return entries;
}

describe('the CLI on commander (issue #8)', () => {
  it('gipkit --version prints the @gipkit/cli version on stdout and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      expect(await cli(flag)).toEqual({ code: ExitCode.Ok, stdout: `${version}\n`, stderr: '' });
    }
  });

  it("each command's --help lists every option with its default (or says it is required) and an example, on stdout, exit 0", async () => {
    for (const name of COMMANDS) {
      const result = await cli(name, '--help');
      expect(result.code, name).toBe(ExitCode.Ok);
      expect(result.stderr, name).toBe('');
      expect(result.stdout, name).toMatch(new RegExp(`^Usage: gipkit ${name} `));
      expect(result.stdout, name).toMatch(new RegExp(`\\nExamples?:\\n {2}gipkit ${name} `));
      const options = optionEntries(result.stdout).filter((entry) => !entry.startsWith('-h, --help'));
      if (name !== 'schema') expect(options.length, name).toBeGreaterThan(3);
      for (const entry of options) expect(entry, `${name}: ${entry}`).toMatch(/\((default: [^)]+|required)\)$/);
    }
  });

  it('run --help names every option of the run, the defaults of the limits among them', async () => {
    const { stdout } = await cli('run', '--help');
    const flags = optionEntries(stdout).map((entry) => entry.split(' ')[0]);
    expect(flags).toEqual([
      '--inventory', '--job', '--rules', '--max-input-bytes', '--bundle', '--simulate', '--lab', '--concurrency', '--per-proxy',
      '--step-timeout', '--known-hosts', '--trust-on-first-use', '--events', '--when-no-connector', '--log-level', '--log-file', '--plan', '--replan',
      '--agent-timeout', '--queue-timeout', '--queue', '--tls', '--tls-ca', '--queue-user', '--queue-password-file', '--queue-prefix', '-h,',
    ]);
    expect(stdout).toMatch(/--concurrency <n> +tasks at once in the whole run \(default: 64\)/);
    expect(stdout).toMatch(/--per-proxy <n> +tasks at once on one server \(default: 4\)/);
  });

  it('gipkit help plan and gipkit help print help on stdout and exit 0', async () => {
    const plan = await cli('help', 'plan');
    expect(plan.code).toBe(ExitCode.Ok);
    expect(plan.stdout).toMatch(/^Usage: gipkit plan /);
    const top = await cli('--help');
    expect(top.code).toBe(ExitCode.Ok);
    for (const name of COMMANDS) expect(top.stdout).toMatch(new RegExp(`\\n {2}${name} `));
  });

  it('an unknown command suggests the closest one: gipkit plna -> plan, exit 2 on stderr', async () => {
    const result = await cli('plna', '--inventory', 'x');
    expect(result.code).toBe(ExitCode.BadInput);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^gipkit: unknown command 'plna'\n\(Did you mean plan\?\)\n/);
    expect(result.stderr).toContain('Usage: gipkit <command> [options]');
  });

  it('an unknown option suggests the closest one, names the command and exits 2', async () => {
    const result = await cli('plan', '--inventory', 'a.yaml', '--jobb', 'b.yaml');
    expect(result.code).toBe(ExitCode.BadInput);
    expect(result.stderr).toBe(
      "gipkit plan: unknown option '--jobb'\n(Did you mean --job?)\n" +
        'Usage: gipkit plan --inventory FILE --job FILE [--rules FILE]... [--format table|json] [--strict]\n' +
        "Run 'gipkit plan --help' for every option, its default and an example.\n",
    );
    const run = await cli('run', '--simulte');
    expect(run.stderr).toContain("gipkit run: unknown option '--simulte'\n(Did you mean --simulate?)");
  });

  it('usage errors exit 2 with one clear message: no command, a missing value, every missing option at once, an extra argument', async () => {
    const none = await cli();
    expect(none.code).toBe(ExitCode.BadInput);
    expect(none.stderr).toContain('Usage: gipkit <command> [options]');
    const noValue = await cli('plan', '--inventory');
    expect(noValue.code).toBe(ExitCode.BadInput);
    expect(noValue.stderr).toMatch(/^gipkit plan: option '--inventory <file>' argument missing\n/);
    const missing = await cli('run', '--simulate');
    expect(missing.code).toBe(ExitCode.BadInput);
    expect(missing.stderr).toMatch(/^gipkit run: missing --inventory, --job, --bundle\n/);
    const extra = await cli('validate', 'stray');
    expect(extra.code).toBe(ExitCode.BadInput);
    expect(extra.stderr).toMatch(/^gipkit validate: too many arguments for 'validate'/);
  });

  it('gipkit constructor and gipkit __proto__ stay unknown commands, named escaped', async () => {
    for (const name of ['constructor', '__proto__', 'pl\u001b[2Jan']) {
      const result = await cli(name);
      expect(result.code, name).toBe(ExitCode.BadInput);
      expect(result.stderr, name).toContain(`gipkit: unknown command '${name.replace('\u001b', '\\u{1b}')}'`);
      expect(result.stderr, name).not.toContain('\u001b');
    }
  });
});
