/**
 * Domain services that react to the instance's lifecycle (connections opening and closing, the
 * heartbeat) register here. Returns a function that stops them.
 */
import { stopTypingIndicators } from './chat/typing.js';
import type { Services } from './context.js';
import { leaveQueueOnDisconnect } from './matchmaking/service.js';
import { registerOperationsMonitor } from './operations/monitor.js';
import { registerPresence } from './presence/service.js';

type Stop = () => Promise<void> | void;

export function registerDomainListeners(services: Services): () => Promise<void> {
  const stops: Stop[] = [];
  stops.push(registerPresence(services));
  stops.push(() => stopTypingIndicators(services));
  // After presence: the queue asks presence whether a closing user is still connected elsewhere.
  stops.push(leaveQueueOnDisconnect(services));
  stops.push(registerOperationsMonitor(services));
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
