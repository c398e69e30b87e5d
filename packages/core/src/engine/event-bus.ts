import { Subject, type Observable } from 'rxjs';
import type { Clock, GipkitEvent } from '@gipkit/plugin-api';
import type { EventDraft } from '../event-draft.js';
import type { PlanObserver } from '../planner/plan-job.js';

/**
 * The one Subject core owns. Events are stamped, frozen and pushed; the
 * subject never errors or completes until the engine is disposed. rxjs
 * isolates subscribers: one that throws does not stop the others or the
 * planner (rxjs reports the error asynchronously, see `config.onUnhandledError`).
 */
export class EventBus {
  readonly #subject = new Subject<GipkitEvent>();
  readonly #clock: Clock;
  readonly events$: Observable<GipkitEvent> = this.#subject.asObservable();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** True when someone listens: the planner skips building per-VM events otherwise. */
  get observed(): boolean {
    return this.#subject.observed;
  }

  observer(runId: string): PlanObserver {
    return {
      wanted: this.observed,
      emit: (draft) => this.emit(runId, draft),
    };
  }

  /** Stamps the draft in place (each draft is a fresh object, made for this call) and freezes it. */
  emit(runId: string, draft: EventDraft): void {
    if (!this.#subject.observed) return;
    const event = draft as EventDraft & { runId: string; at: string };
    event.runId = runId;
    event.at = this.#clock.isoNow();
    this.#subject.next(Object.freeze(event) as GipkitEvent);
  }

  complete(): void {
    this.#subject.complete();
  }
}
