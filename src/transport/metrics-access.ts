/** Who may read /metrics: anyone when METRICS_TOKEN is unset, otherwise only `Authorization: Bearer <METRICS_TOKEN>`. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function metricsAllowed(req: IncomingMessage, metricsToken: string | null): boolean {
  if (!metricsToken) return true;
  const header = req.headers.authorization ?? '';
  return timingSafeEqual(digest(header), digest(`Bearer ${metricsToken}`));
}
