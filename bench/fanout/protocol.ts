/** What the fan-out bench's processes share: the subscription, the IPC message shape, the clock, env knobs. */
import { performance } from 'node:perf_hooks';

export const QUERY = `subscription($region: Region!, $after: String) { matchFeed(region: $region, after: $after) { kind cursor at match { id region status game slots creator { id username } } } }`;
/** Wall-clock milliseconds, comparable across the bench's processes. */
export const now = () => performance.timeOrigin + performance.now();
export const env = (name: string, fallback: string) => process.env[name] ?? fallback;

/** A message between the orchestrating parent and its server and load-client children. */
export type Msg = { type: string; [key: string]: unknown };
