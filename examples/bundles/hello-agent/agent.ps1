# hello-agent: a stand-in for a guest runtime component. Runs until stopped and
# writes the time into .\heartbeat every 2 seconds.
Write-Output "hello-agent started, pid $PID, in $((Get-Location).Path)"
while ($true) {
  Set-Content -LiteralPath 'heartbeat.tmp' -Value ([DateTime]::UtcNow.ToString('o'))
  Move-Item -LiteralPath 'heartbeat.tmp' -Destination 'heartbeat' -Force
  Start-Sleep -Seconds 2
}
