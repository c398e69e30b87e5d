import type { Observable, Subject } from 'rxjs';
import type { Clock, GipkitEvent } from '@gipkit/plugin-api';
import type { EventDraft } from '../event-draft.js';
import type { PlanObserver } from '../planner/plan-job.js';
import { rxjs } from './rxjs.js';

/**
 * The one Subject core owns. Events are stamped, frozen and pushed; the
 * subject never errors or completes until the engine is disposed. rxjs
 * isolates subscribers: one that throws does not stop the others or the
 * planner (rxjs reports the error asynchronously, see `config.onUnhandledError`).
 *
 * The subject is made when the stream is first asked for: until then nobody
 * can listen, every event is dropped unbuilt, and rxjs is not loaded.
 */
export class EventBus {
  #subject: Subject<GipkitEvent> | undefined;
  #events$: Observable<GipkitEvent> | undefined;
  #completed = false;
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get events$(): Observable<GipkitEvent> {
    if (this.#events$ === undefined) {
      const subject = new (rxjs().Subject)<GipkitEvent>();
      if (this.#completed) subject.complete();
      this.#subject = subject;
      this.#events$ = subject.asObservable();
    }
    return this.#events$;
  }

  /** True when someone listens: the planner skips building per-VM events otherwise. */
  get observed(): boolean {
    return this.#subject?.observed === true;
  }

  observer(runId: string): PlanObserver {
    return {
      wanted: this.observed,
      emit: (draft) => this.emit(runId, draft),
    };
  }

  /** Stamps the draft in place (each draft is a fresh object, made for this call) and freezes it. */
  emit(runId: string, draft: EventDraft): void {
    const subject = this.#subject;
    if (subject?.observed !== true) return;
    const event = draft as EventDraft & { runId: string; at: string };
    event.runId = runId;
    event.at = this.#clock.isoNow();
    subject.next(Object.freeze(event) as GipkitEvent);
  }

  complete(): void {
    this.#completed = true;
    this.#subject?.complete();
  }
}
