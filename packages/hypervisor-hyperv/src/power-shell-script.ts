import { quoteWindowsArgument, quoteWindowsProgram } from '@gipkit/connector-kit';

/** PowerShell reads these four as single quotes too (U+2018, U+2019, U+201A, U+201B). */
const SINGLE_QUOTES = /['\u2018\u2019\u201A\u201B]/g;

/**
 * A PowerShell single-quoted string literal: nothing in it is expanded; each
 * single quote (of the four kinds PowerShell knows) is doubled.
 */
export function quotePowerShellString(text: string): string {
  return `'${text.replace(SINGLE_QUOTES, '$&$&')}'`;
}

/** The largest timeout `Process.WaitForExit(int)` takes. */
const MAX_WAIT_MS = 2_147_483_647;

/**
 * The script that runs a program in the guest and reports its output and exit
 * code. It starts the program with `System.Diagnostics.Process` and a command
 * line quoted for `CommandLineToArgvW`, rather than with `& 'program' 'args'`:
 * Windows PowerShell 5.1 drops empty arguments and does not escape double
 * quotes when it passes arguments to a program. Standard output comes back on
 * the success stream, standard error on the error stream, the exit code as
 * `$LASTEXITCODE` (9009, as in cmd.exe, when the program cannot be started).
 * The program is killed when it outlives `timeoutMs`.
 */
export function runScript(command: readonly string[], timeoutMs: number): string {
  const [program = '', ...args] = command;
  quoteWindowsProgram(program);
  const wait = Math.max(1, Math.min(MAX_WAIT_MS, Math.ceil(timeoutMs)));
  return [
    `$ErrorActionPreference = 'Stop'`,
    `$start = New-Object System.Diagnostics.ProcessStartInfo`,
    `$start.FileName = ${quotePowerShellString(program)}`,
    `$start.Arguments = ${quotePowerShellString(args.map(quoteWindowsArgument).join(' '))}`,
    `$start.UseShellExecute = $false`,
    `$start.CreateNoWindow = $true`,
    `$start.RedirectStandardInput = $true`,
    `$start.RedirectStandardOutput = $true`,
    `$start.RedirectStandardError = $true`,
    `try { $process = [System.Diagnostics.Process]::Start($start) } catch { Write-Error -Message $_.Exception.GetBaseException().Message -ErrorAction Continue; $global:LASTEXITCODE = 9009; return }`,
    `$process.StandardInput.Close()`,
    `$stdout = $process.StandardOutput.ReadToEndAsync()`,
    `$stderr = $process.StandardError.ReadToEndAsync()`,
    `if (-not $process.WaitForExit(${wait})) { $process.Kill() }`,
    `$process.WaitForExit()`,
    `Write-Output $stdout.Result`,
    `if ($stderr.Result -ne '') { Write-Error -Message $stderr.Result -ErrorAction Continue }`,
    `$global:LASTEXITCODE = $process.ExitCode`,
  ].join('\n');
}

/** Creates a folder and its missing parents (an existing one is fine); no wildcards are read in the path. */
export function createDirectoryScript(path: string): string {
  return `$ErrorActionPreference = 'Stop'\n$null = [System.IO.Directory]::CreateDirectory(${quotePowerShellString(path)})`;
}

/** Removes a file or a folder with everything in it, hidden and read-only ones included; a missing path is fine. */
export function removeScript(path: string): string {
  const literal = quotePowerShellString(path);
  return `$ErrorActionPreference = 'Stop'\nif (Test-Path -LiteralPath ${literal}) { Remove-Item -LiteralPath ${literal} -Recurse -Force }`;
}
