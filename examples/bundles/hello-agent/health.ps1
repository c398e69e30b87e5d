# Healthy once the agent has written its heartbeat.
if ((Test-Path -LiteralPath 'heartbeat') -and (Get-Item -LiteralPath 'heartbeat').Length -gt 0) {
  Write-Output "hello-agent: last heartbeat $(Get-Content -LiteralPath 'heartbeat' -Raw)"
  exit 0
}
[Console]::Error.WriteLine("hello-agent: no heartbeat yet in $((Get-Location).Path)")
exit 1
