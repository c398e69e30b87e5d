import type { DeploymentStep, ErrorSummary, GipkitEvent, Plan, UnavailableReason } from '@gipkit/plugin-api';
import { printable } from '../terminal-text.js';
import { fitToWidth, paint, type Colour, type Segment } from '../terminal-style.js';

interface ServerProgress {
  running: number;
  done: number;
  failedOver: number;
  crashConsistent: number;
  failed: number;
}

/** The row of VMs that the plan gave no proxy: they fail (or are backed up crash-consistently) at selection. */
export const NO_PROXY = '(no proxy)';

export interface RunProgressOptions {
  /** Redraw one block of lines in place (stdout is a terminal); otherwise plain lines only. */
  readonly live: boolean;
  /** Colour the counts and the lines that matter (a terminal without NO_COLOR). */
  readonly colour?: boolean;
  /** The terminal's width now: each line of the live block is cut to it, so that it never wraps. */
  readonly columns?: () => number | undefined;
  /** The terminal's height now: a block with more servers than rows shows the first ones and how many more, so it can always be moved up over. */
  readonly rows?: () => number | undefined;
}

const STEP_FAILED: Readonly<Record<DeploymentStep, string>> = {
  connect: 'could not connect',
  upload: 'uploading the bundle failed',
  install: 'installing the components failed',
  start: 'starting the components failed',
  health: "the components' health check failed",
};

/** A cause without the context the line already gives (`win-proxy-a → sql-a over lan: `, `erp-b: `). */
function shortCause(cause: ErrorSummary, ...context: readonly string[]): string {
  let message = cause.message;
  for (const prefix of context) if (message.startsWith(prefix)) message = message.slice(prefix.length);
  return message;
}

/**
 * Why a VM has no proxy, in one line: the rule that kept out the most
 * candidates (the one that left the VM without any), with its finding for the
 * first of them, cut at its first clause.
 */
export function noProxyCause(vm: string, reasons: readonly UnavailableReason[] | undefined, fallback: string): string {
  const rule = (reasons ?? []).reduce<UnavailableReason | undefined>((best, reason) => (best === undefined || reason.candidates > best.candidates ? reason : best), undefined);
  if (rule === undefined) return `no proxy: ${fallback}`;
  const [first = '', ...rest] = rule.example.message.split('; ');
  const candidates = rule.candidates === 1 ? '1 candidate' : `${rule.candidates} candidates`;
  return `no proxy: ${rule.rule} kept out ${candidates} (${rule.example.server}: ${first}${rest.length > 0 ? ' …' : ''}); gipkit explain (same --inventory, --job and --rules) --vm ${vm} shows every reason`;
}

/**
 * What `gipkit run` prints while it works. Every connection failure, reconnect,
 * failover, failed and crash-consistent VM gets a line with its cause. On a
 * terminal, those lines go above one live block (a line per server: running,
 * done, failed over, crash-consistent, failed), redrawn at most every 100 ms
 * and never wider than the terminal; otherwise a plain line per finished VM too.
 */
export class RunProgress {
  readonly #write: (text: string) => void;
  readonly #live: boolean;
  readonly #colour: boolean;
  readonly #columns: () => number | undefined;
  readonly #rows: () => number | undefined;
  readonly #servers = new Map<string, ServerProgress>();
  readonly #unavailable = new Map<string, readonly UnavailableReason[]>();
  /** The widths of the lines of the block on screen, to erase it however the terminal was resized since. */
  #drawn: readonly number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(write: (text: string) => void, options: RunProgressOptions) {
    this.#write = write;
    this.#live = options.live;
    this.#colour = options.colour === true;
    this.#columns = options.columns ?? (() => undefined);
    this.#rows = options.rows ?? (() => undefined);
  }

  /** A saved plan run as it is: no planning events come, so its summary and its servers are shown from the plan. */
  savedPlan(plan: Plan, file: string): void {
    const { summary } = plan;
    this.note(`plan: ${file} (saved; not planned again): ${summary.vms} VMs, ${summary.assigned} assigned, ${summary.fallback + summary.backupServer} to the backup server, ${summary.unassigned} unassigned`);
    for (const decision of plan.decisions) {
      if (decision.proxy !== null) this.#server(decision.proxy);
      else if (decision.reasons !== undefined) this.#unavailable.set(decision.vm, decision.reasons);
    }
  }

  onEvent(event: GipkitEvent): void {
    switch (event.type) {
      case 'plan.completed': {
        const { summary } = event;
        this.note(`plan: ${summary.vms} VMs, ${summary.assigned} assigned, ${summary.fallback + summary.backupServer} to the backup server, ${summary.unassigned} unassigned`);
        return;
      }
      case 'proxy.selected':
        // Every server with VMs planned has a line from the start, a proxy that will fail for all of them included.
        this.#server(event.proxy);
        return;
      case 'proxy.unavailable':
        this.#unavailable.set(event.vm, event.reasons);
        return;
      case 'job.started':
        this.note(`job ${event.job}: deploying ${event.bundle.name}@${event.bundle.version} (${event.mode}) into ${event.vms} VMs, ${event.concurrency.perServer} per server, ${event.concurrency.total} at once`);
        break;
      case 'deployment.started':
        this.#server(event.server).running++;
        break;
      case 'connection.failed': {
        const cause = shortCause(event.cause, `${event.server} → ${event.vm} over ${event.method}: `, `${event.vm}: `);
        this.note(
          event.reconnect
            ? `${event.vm}: the session of ${event.server} over ${event.method} dropped (${cause}); reconnecting once`
            : `${event.vm}: ${event.server} could not connect over ${event.method}: ${cause}`,
          'yellow',
        );
        return;
      }
      case 'connection.host-key-trusted':
        this.note(`${event.vm}: trusted the host key of ${event.endpoint} on first use: ${event.algorithm} ${event.fingerprint}`);
        return;
      case 'failover.started': {
        const from = this.#server(event.from);
        from.running--;
        from.failedOver++;
        this.note(`${event.vm}: failover: ${event.from} could not connect with any allowed method; the backup server ${event.to} takes over`, 'yellow');
        break;
      }
      case 'failover.failed':
        this.note(`${event.vm}: failover failed: the backup server ${event.server} could not connect either (${shortCause(event.cause, `${event.server} → ${event.vm} `)})`, 'red');
        return;
      case 'deployment.succeeded': {
        const server = this.#server(event.server);
        server.running--;
        server.done++;
        if (!this.#live) this.note(`${event.vm}: deployed by ${event.server} over ${event.method}${event.failedOver ? ' (failover)' : ''}${event.reused ? ', reused the installed version' : ''}`);
        break;
      }
      case 'deployment.failed': {
        const server = this.#server(event.server ?? NO_PROXY);
        if (event.server !== null && event.step !== 'queue' && event.step !== 'select') server.running--;
        const crash = event.outcome === 'crash-consistent';
        if (crash) server.crashConsistent++;
        else server.failed++;
        const outcome = crash ? 'crash-consistent (guest processing failed, backed up without it)' : 'failed';
        let cause: string;
        if (event.step === 'select') cause = noProxyCause(event.vm, this.#unavailable.get(event.vm), event.cause.message);
        else if (event.step === 'queue') cause = `cancelled before it started: ${event.cause.message}`;
        else {
          const message = shortCause(event.cause, `${event.server ?? ''} → ${event.vm} `, `${event.vm}: `);
          // `vbr → sql-a over vix: connection refused` reads `vbr could not connect over vix: connection refused`.
          cause = event.step === 'connect' && event.server !== null && message.startsWith('over ')
            ? `${event.server} could not connect ${message}`
            : `${STEP_FAILED[event.step]} on ${event.server ?? 'no server'}: ${message}`;
        }
        this.note(`${event.vm}: ${outcome}: ${cause}`, crash ? 'yellow' : 'red');
        break;
      }
      case 'cleanup.completed':
        // The summary reports the cleanup, once.
        this.stop();
        return;
      default:
        return;
    }
    if (this.#live && !this.#stopped) this.#schedule();
  }

  /** One line above the live block (or one plain line): ids, causes and guest output in it are escaped, so it stays one line. */
  note(text: string, colour?: Colour): void {
    const line = paint(printable(text), colour, this.#colour);
    if (!this.#live || this.#stopped) {
      this.#write(`${line}\n`);
      return;
    }
    // Erase the block, write the line where it was, draw the block again below it: one write, no flicker.
    this.#write(`${this.#erase()}${line}\n${this.#block()}`);
  }

  /** Draws the block a last time and leaves it on screen; later lines go below it. */
  stop(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#live && !this.#stopped && this.#servers.size > 0) this.#write(`${this.#erase()}${this.#block()}`);
    this.#stopped = true;
  }

  #server(id: string): ServerProgress {
    let progress = this.#servers.get(id);
    if (progress === undefined) this.#servers.set(id, (progress = { running: 0, done: 0, failedOver: 0, crashConsistent: 0, failed: 0 }));
    return progress;
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      if (!this.#stopped) this.#write(`${this.#erase()}${this.#block()}`);
    }, 100);
  }

  /** Moves up over the block on screen and clears it: as many rows as its lines take at today's width. */
  #erase(): string {
    const columns = this.#columns();
    const rows = this.#drawn.reduce((sum, width) => sum + (columns === undefined || columns < 1 ? 1 : Math.max(1, Math.ceil(width / columns))), 0);
    this.#drawn = [];
    return rows > 0 ? `\u001b[${rows}F\u001b[J` : '';
  }

  /** The block's text, each line cut to the terminal's width less one column (a full line wraps on some terminals). */
  #block(): string {
    if (this.#servers.size === 0) return '';
    // Ids are escaped before they are measured: the cursor movements are the only controls written.
    let servers = [...this.#servers].map(([id, p]) => [printable(id), p] as const);
    // Lines that scrolled off the top of the terminal cannot be moved up over: they would stay as a copy. The block keeps
    // to the terminal's height less one row (the cursor's), its last line saying how many servers it leaves out.
    const height = this.#rows();
    let more = 0;
    if (height !== undefined && height >= 3 && servers.length > height - 1) {
      more = servers.length - (height - 2);
      servers = servers.slice(0, height - 2);
    }
    const width = servers.reduce((widest, [id]) => Math.max(widest, id.length), 0);
    const count = (value: number, pad: number, label: string, colour: Colour): Segment => ({ text: `  ${String(value).padStart(pad)} ${label}`, ...(value > 0 ? { colour } : {}) });
    const columns = this.#columns();
    const lines = servers.map(([id, p]) =>
      fitToWidth(
        [
          { text: `  ${id.padEnd(width)}` },
          count(p.running, 3, 'running', 'cyan'),
          count(p.done, 5, 'done', 'green'),
          count(p.failedOver, 4, 'failed over', 'yellow'),
          count(p.crashConsistent, 4, 'crash-consistent', 'yellow'),
          count(p.failed, 4, 'failed', 'red'),
        ],
        columns === undefined ? undefined : columns - 1,
        this.#colour,
      ),
    );
    if (more > 0) lines.push(fitToWidth([{ text: `  … and ${more} more servers (the summary lists every one)` }], columns === undefined ? undefined : columns - 1, this.#colour));
    this.#drawn = lines.map((line) => line.width);
    return lines.map((line) => `${line.text}\n`).join('');
  }
}
