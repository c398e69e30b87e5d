import './reflect-polyfill.js';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { Token } from '@gipkit/plugin-api';

/** A fresh child container for one engine: nothing is registered globally. */
export function createEngineContainer(): DependencyContainer {
  return rootContainer.createChildContainer();
}

export function registerValue<T>(container: DependencyContainer, token: Token<T>, value: T): void {
  container.register<T>(token.key, { useValue: value });
}

export function resolveAll<T>(container: DependencyContainer, token: Token<T>): T[] {
  return container.isRegistered(token.key) ? container.resolveAll<T>(token.key) : [];
}
