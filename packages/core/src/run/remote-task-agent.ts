import { ErrorCode, type DispatchOptions, type GuestAgent, type GuestTask, type TaskOutcome } from '@gipkit/plugin-api';
import type { InProcessAgent } from './in-process-agent.js';
import type { RunSecrets } from './run-secrets.js';

/**
 * The agent of a process that works for a remote coordinator (`gipkit agent`):
 * tasks name their secret by reference only, so each is read here, on this
 * machine, the first time a task needs it (then kept for redaction while the
 * agent lives). A reference that cannot be read fails the task, naming the
 * account and the reference, never the content.
 */
export class RemoteTaskAgent implements GuestAgent {
  readonly #agent: InProcessAgent;
  readonly #secrets: RunSecrets;

  constructor(agent: InProcessAgent, secrets: RunSecrets) {
    this.#agent = agent;
    this.#secrets = secrets;
  }

  locate(task: GuestTask): string | undefined {
    return this.#agent.locate(task);
  }

  async perform(task: GuestTask, options: DispatchOptions): Promise<TaskOutcome> {
    const reference = task.target.secret;
    if (reference !== undefined && !this.#secrets.knows(reference)) {
      const problems = await this.#secrets.read([{ reference, account: task.target.account }], options.signal);
      if (options.signal.aborted) return { status: 'failed', method: task.methods[0] ?? 'none', step: task.kind === 'deploy' ? 'connect' : 'remove', cause: { code: ErrorCode.RunCancelled, message: 'the run was cancelled' } };
      const problem = problems[0];
      if (problem !== undefined) {
        const cause = { code: ErrorCode.SecretUnavailable, message: `on this agent, ${problem}` };
        return task.kind === 'deploy'
          ? { status: 'failed', method: task.methods[0] ?? 'none', step: 'connect', cause }
          : { status: 'failed', method: task.methods[0] ?? 'none', step: 'remove', cause, location: task.location };
      }
    }
    return this.#agent.perform(task, options);
  }
}
