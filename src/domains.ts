/**
 * Domain services that react to the instance's lifecycle (connections opening and closing, the
 * heartbeat) register here. Returns a function that stops them.
 */
import type { Services } from './context.js';

type Stop = () => Promise<void> | void;

export function registerDomainListeners(services: Services): () => Promise<void> {
  const stops: Stop[] = [];
  void services;
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
