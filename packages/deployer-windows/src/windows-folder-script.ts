import { MARKER_FILE, type FolderRequest } from '@gipkit/deployer-kit';
import { POWERSHELL, powerShellQuote, WINDOWS_CONTROL_SCRIPT } from './windows-control-script.js';

/** The first line of every folder script; the metadata lines after it are what the simulated guest reads. */
export const FOLDER_SCRIPT_HEADER = '# gipkit-folder-script v1';

/** What every folder script says after its head: the same for every call, so its encoding is made once. */
const BODY = `$Control = ${powerShellQuote(WINDOWS_CONTROL_SCRIPT)}; $Marker = ${powerShellQuote(MARKER_FILE)}
$Me = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value
$Private = @($Me, 'S-1-5-18')
$Keepers = @($Me, 'S-1-5-18', 'S-1-5-32-544', 'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464')
$Writes = [int] [Security.AccessControl.FileSystemRights] 'WriteData, AppendData, WriteExtendedAttributes, DeleteSubdirectoriesAndFiles, WriteAttributes, Delete, ChangePermissions, TakeOwnership'
$Sid = [Security.Principal.SecurityIdentifier]
function Refuse([string] $Why) { [Console]::Error.WriteLine($Why); exit 3 }
function Get-Folder([string] $Path) { if ([IO.Directory]::Exists($Path) -or [IO.File]::Exists($Path)) { return (Get-Item -LiteralPath $Path -Force) } return $null }
# Why the folder is not the account's own, or $null.
function Get-Problem($Item) {
  if (-not $Item.PSIsContainer) { return "$($Item.FullName) is not a folder" }
  if ($Item.Attributes -band [IO.FileAttributes]::ReparsePoint) { return "$($Item.FullName) is a link (reparse point)" }
  $acl = $Item.GetAccessControl()
  $owner = $acl.GetOwner($Sid).Value
  $rules = @($acl.GetAccessRules($true, $true, $Sid) | Where-Object { $_.AccessControlType -eq 'Allow' })
  if ($Mode -eq 'persistent') {
    if ($Keepers -notcontains $owner) { return "$($Item.FullName) belongs to $owner" }
    $writers = @($rules | Where-Object { ([int] $_.FileSystemRights -band $Writes) -ne 0 -and $Keepers -notcontains $_.IdentityReference.Value -and $_.IdentityReference.Value -ne 'S-1-3-0' })
    if ($writers.Count -gt 0) { return "$($Item.FullName) can be written to by $($writers[0].IdentityReference.Value)" }
    return $null
  }
  if ($owner -ne $Me) { return "$($Item.FullName) belongs to $owner, not to $Me" }
  if (-not $acl.AreAccessRulesProtected) { return "$($Item.FullName) inherits access rules" }
  $others = @($rules | Where-Object { $Private -notcontains $_.IdentityReference.Value })
  if ($others.Count -gt 0) { return "$($Item.FullName) allows $($others[0].IdentityReference.Value)" }
  return $null
}
function Assert-Own { $item = Get-Folder $Folder; if ($null -eq $item) { Refuse "$Folder is missing" }; $why = Get-Problem $item; if ($null -ne $why) { Refuse $why } }
function New-Private {
  $security = New-Object Security.AccessControl.DirectorySecurity
  $security.SetOwner((New-Object Security.Principal.SecurityIdentifier $Me))
  $security.SetAccessRuleProtection($true, $false)
  foreach ($who in $Private) { $security.AddAccessRule((New-Object Security.AccessControl.FileSystemAccessRule((New-Object Security.Principal.SecurityIdentifier $who), 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))) }
  [void] [IO.Directory]::CreateDirectory($Folder, $security)
}
# Exit 1 from the control script: the component could not be stopped; any other failure: it could not run (nothing was started).
function Stop-Component {
  $script = [IO.Path]::Combine($Folder, $Control)
  if (-not [IO.File]::Exists($script)) { return }
  & ${POWERSHELL.map(powerShellQuote).join(' ')} -File $script stop | Out-Null
  if ($LASTEXITCODE -eq 1) { exit 1 }
}
function Remove-Entry([string] $Path) { if ([IO.Directory]::Exists($Path)) { [IO.Directory]::Delete($Path, $true) } else { [IO.File]::Delete($Path) } }
try {
  switch ($Verb) {
    'check' { if ($null -ne (Get-Folder $Folder)) { Assert-Own; 'present' } else { 'absent' } }
    'prepare' {
      if ($Mode -eq 'persistent' -and -not [IO.Directory]::Exists($Root)) { [void] [IO.Directory]::CreateDirectory($Root) }
      if (-not [IO.Directory]::Exists($Root)) { Refuse "$Root is not a folder" }
      if ($null -eq (Get-Folder $Folder)) { New-Private }
      Assert-Own
      Stop-Component
      foreach ($entry in @(Get-ChildItem -LiteralPath $Folder -Force)) { if ($entry.Name -ne $Marker) { Remove-Entry $entry.FullName } }
    }
    'remove' { if ($null -ne (Get-Folder $Folder)) { Assert-Own; Stop-Component; [IO.Directory]::Delete($Folder, $true) } }
    'stale' {
      if (-not [IO.Directory]::Exists($Root)) { exit 0 }
      foreach ($entry in @(Get-ChildItem -LiteralPath $Root -Directory -Force -Filter 'gipkit-*')) {
        $file = Get-Item -LiteralPath ([IO.Path]::Combine($entry.FullName, $Marker)) -Force -ErrorAction SilentlyContinue
        if ($null -eq $file -or $null -ne (Get-Problem $entry) -or ($file.Attributes -band [IO.FileAttributes]::ReparsePoint)) { continue }
        if ($file.GetAccessControl().GetOwner($Sid).Value -ne $Me) { continue }
        [Console]::Out.WriteLine(([IO.File]::ReadAllLines($file.FullName) | Select-Object -First 1) + [char] 9 + $entry.FullName)
      }
    }
    default { [Console]::Error.WriteLine('usage: check|prepare|remove|stale'); exit 4 }
  }
} catch { [Console]::Error.WriteLine($_.ToString()); exit 4 }
exit 0
`;

/**
 * The lines that differ between calls: the metadata and the request's values.
 * Padded with spaces to a multiple of three characters (six bytes of UTF-16LE),
 * so that the base64 of the whole script is the base64 of this head followed by
 * the base64 of the body, which is computed once.
 */
function head(request: FolderRequest): string {
  const line = `${FOLDER_SCRIPT_HEADER}
# gipkit-verb: ${request.verb}
# gipkit-mode: ${request.mode}
# gipkit-root: ${request.root}
# gipkit-folder: ${request.folder}
$ErrorActionPreference = 'Stop'
$Verb = ${powerShellQuote(request.verb)}; $Mode = ${powerShellQuote(request.mode)}; $Root = ${powerShellQuote(request.root)}; $Folder = ${powerShellQuote(request.folder)}`;
  return `${line}${' '.repeat((3 - ((line.length + 1) % 3)) % 3)}\n`;
}

/**
 * The Windows PowerShell 5.1 script that checks, prepares, removes or lists a
 * component's folder for the deploying account (docs/reference/deployers.md,
 * "Folder safety"). Exit codes: 0 done, 1 the component could not be stopped,
 * 3 refused (why on stderr), 4 failed.
 *
 * A non-persistent folder is created with an explicit protected ACL (owner:
 * the account; full control for the account and SYSTEM only, nothing
 * inherited) and is the account's own only while it stays so. A persistent
 * one may be used when it is not a reparse point, its owner is the account,
 * SYSTEM, Administrators or TrustedInstaller, and no other identity may write
 * to it. Nothing runs from a folder before it passed.
 */
export function windowsFolderScript(request: FolderRequest): string {
  return head(request) + BODY;
}

/** How the deployer runs a folder script: PowerShell's `-EncodedCommand` (base64 of UTF-16LE), so that no quoting reaches the guest's command line. */
export function windowsFolderCommand(request: FolderRequest): readonly string[] {
  return [...POWERSHELL, '-EncodedCommand', encode(head(request)) + (bodyBase64 ??= encode(BODY))];
}

let bodyBase64: string | undefined;
const encode = (text: string): string => Buffer.from(text, 'utf16le').toString('base64');
