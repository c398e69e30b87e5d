import type { GipkitEvent } from '@gipkit/plugin-api';
import { printable } from '../terminal-text.js';

interface ServerProgress {
  running: number;
  done: number;
  failedOver: number;
  failed: number;
}

/**
 * What `gipkit run` prints while it works. On a terminal: one live line per
 * server (running, done, failed), redrawn at most every 100 ms. Otherwise:
 * one plain line per failover, failure and finished VM.
 */
export class RunProgress {
  readonly #write: (text: string) => void;
  readonly #live: boolean;
  readonly #servers = new Map<string, ServerProgress>();
  #drawn = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(write: (text: string) => void, live: boolean) {
    this.#write = write;
    this.#live = live;
  }

  onEvent(event: GipkitEvent): void {
    switch (event.type) {
      case 'plan.completed': {
        const { summary } = event;
        this.#line(`plan: ${summary.vms} VMs, ${summary.assigned} assigned, ${summary.fallback + summary.backupServer} to the backup server, ${summary.unassigned} unassigned`);
        return;
      }
      case 'job.started':
        this.#line(`job ${event.job}: deploying ${event.bundle.name}@${event.bundle.version} (${event.mode}) into ${event.vms} VMs, ${event.concurrency.perServer} per server, ${event.concurrency.total} at once`);
        return;
      case 'deployment.started':
        this.#server(event.server).running++;
        break;
      case 'connection.failed':
        if (!this.#live) this.#line(`${event.vm}: ${event.server} could not connect over ${event.method}${event.reconnect ? ' (the session dropped; reconnecting once)' : ''}: ${event.cause.message}`);
        return;
      case 'connection.host-key-trusted':
        this.#line(`${event.vm}: trusted the host key of ${event.endpoint} on first use: ${event.algorithm} ${event.fingerprint}`);
        return;
      case 'failover.started':
        this.#server(event.from).running--;
        if (!this.#live) this.#line(`${event.vm}: failover from ${event.from} to the backup server ${event.to}`);
        break;
      case 'deployment.succeeded': {
        const server = this.#server(event.server);
        server.running--;
        if (event.failedOver) server.failedOver++;
        else server.done++;
        if (!this.#live) this.#line(`${event.vm}: deployed by ${event.server} over ${event.method}${event.failedOver ? ' (failover)' : ''}${event.reused ? ', reused the installed version' : ''}`);
        break;
      }
      case 'deployment.failed':
        if (event.server !== null && event.step !== 'queue') {
          const server = this.#server(event.server);
          server.running--;
          server.failed++;
        }
        if (!this.#live) this.#line(`${event.vm}: ${event.outcome === 'crash-consistent' ? 'guest processing failed, backed up crash-consistently' : 'failed'} at ${event.step}: ${event.cause.message}`);
        break;
      case 'cleanup.completed':
        this.stop();
        this.#line(`cleanup: ${event.removed} removed, ${event.failures.length} failed, ${event.kept} persistent kept${event.stale > 0 ? `, ${event.stale} left by crashed runs removed` : ''}`);
        return;
      default:
        return;
    }
    if (this.#live) this.#schedule();
  }

  stop(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#draw();
    }
  }

  #server(id: string): ServerProgress {
    let progress = this.#servers.get(id);
    if (progress === undefined) this.#servers.set(id, (progress = { running: 0, done: 0, failedOver: 0, failed: 0 }));
    return progress;
  }

  /** One line: ids, causes and guest output in it are escaped, so it stays one line. */
  #line(text: string): void {
    this.#drawn = 0;
    this.#write(`${printable(text)}\n`);
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, 100);
  }

  #draw(): void {
    // Ids are escaped before they are measured: the cursor movements below are the only controls written.
    const servers = [...this.#servers].map(([id, p]) => [printable(id), p] as const);
    const width = Math.max(...servers.map(([id]) => id.length));
    const lines = servers.map(([id, p]) =>
      `  ${id.padEnd(width)}  ${String(p.running).padStart(3)} running  ${String(p.done).padStart(5)} done  ${String(p.failedOver).padStart(4)} failed over  ${String(p.failed).padStart(4)} failed`);
    // Move up over the previous drawing and clear it before drawing again.
    const up = this.#drawn > 0 ? `\u001b[${this.#drawn}F\u001b[J` : '';
    this.#write(`${up}${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }
}
