/** Kept apart from the command: `gipkit --help` and the other commands do not load the deployment stack (ssh2 among it). */
export const RUN_HELP = `Usage: gipkit run --inventory FILE --job FILE --bundle DIR [options]

Plans the job, then deploys the bundle into every VM through its guest
interaction proxy, failing over to the backup server when a proxy cannot
connect, and removes non-persistent components when the job ends.
  --inventory FILE      inventory (YAML, or JSON by extension)
  --job FILE            backup job (YAML or JSON)
  --rules FILE          organisation rules file (repeatable)
  --bundle DIR          the component bundle: a folder with bundle.json
  --simulate            deploy into a simulated lab (in memory), not real guests
  --lab FILE            with --simulate: latency and faults of the lab (YAML or JSON)
  --max-input-bytes N   largest inventory, job, rules or lab file read (default 1073741824, 1 GiB)
  --concurrency N       tasks at once in the whole run (default 64)
  --per-proxy N         tasks at once on one server (default 4)
  --step-timeout MS     timeout of every step, 1 to 2147483647 (default: per step, 30 s to 120 s)
  --known-hosts FILE    SSH known_hosts file for Linux guests
  --trust-on-first-use  accept unknown SSH host keys and record them (an event says so)
  --events ndjson       stream every event as one JSON line on stdout (the summary goes to stderr)
  --when-no-connector refuse|fail-vms
                        planned VMs that no configured connector reaches: refuse to start (default),
                        or deploy the others and fail these (the run is then not accepted)
Without --simulate, the CLI reaches Linux guests over LAN by SSH only (VMware and Hyper-V):
Windows guests and VIX or PowerShell Direct need a product that embeds the SDK with those transports.
Ctrl-C stops new work and still removes what was deployed; a second Ctrl-C stops the cleanup.
A closed stdout or stderr (| head, 2>&1 | grep -m1) cancels the same way, once.
Exit codes: 0 every VM succeeded or ended in its job's accepted outcome and cleanup left nothing,
1 otherwise, 2 bad input.`;
