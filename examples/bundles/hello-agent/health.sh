#!/bin/sh
# Healthy once the agent has written its heartbeat.
if [ -s heartbeat ]; then
  echo "hello-agent: last heartbeat $(cat heartbeat)"
  exit 0
fi
echo "hello-agent: no heartbeat yet in $(pwd)" >&2
exit 1
