import { filter, type OperatorFunction } from 'rxjs';
import type { EventOfType, GipkitEvent, GipkitEventType } from '@gipkit/plugin-api';

/** Narrows the event stream to some event types: `events$.pipe(ofType('proxy.selected'))`. */
export function ofType<T extends GipkitEventType>(...types: readonly T[]): OperatorFunction<GipkitEvent, EventOfType<T>> {
  const wanted = new Set<GipkitEventType>(types);
  return filter((event): event is EventOfType<T> => wanted.has(event.type));
}
