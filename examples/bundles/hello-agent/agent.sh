#!/bin/sh
# hello-agent: a stand-in for a guest runtime component. Runs until stopped and
# writes the time into ./heartbeat every 2 seconds.
echo "hello-agent started, pid $$, in $(pwd)"
trap 'echo "hello-agent stopping"; rm -f heartbeat.tmp; exit 0' TERM INT
while :; do
  date -u '+%Y-%m-%dT%H:%M:%SZ' >heartbeat.tmp && mv heartbeat.tmp heartbeat
  sleep 2 &
  wait $!
done
