import type { OperatorFunction } from 'rxjs';
import type { EventOfType, GipkitEvent, GipkitEventType } from '@gipkit/plugin-api';
import { rxjs } from './rxjs.js';

/** Narrows the event stream to some event types: `events$.pipe(ofType('proxy.selected'))`. */
export function ofType<T extends GipkitEventType>(...types: readonly T[]): OperatorFunction<GipkitEvent, EventOfType<T>> {
  const wanted = new Set<GipkitEventType>(types);
  return rxjs().filter((event): event is EventOfType<T> => wanted.has(event.type));
}
