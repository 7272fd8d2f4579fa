/**
 * Operations (ADMIN only): every instance's connections, subscriptions by stream, events per second
 * and delivery latency, with the last minute as small SVG sparklines. Renders nothing for anyone
 * else, and only an ADMIN's page opens the `operationsStats` subscription.
 */
import { useEffect, useState } from 'react';
import { useQuery, useSubscription } from '@apollo/client/react';
import type { OperationsStatsSubscription } from '../gql/graphql.js';
import { OperationsStatsDocument } from '../operations/operations.js';
import { ViewerDocument } from '../operations/session.js';

type Instance = OperationsStatsSubscription['operationsStats']['instances'][number];
type Series = { published: number[]; delivered: number[]; latency: number[]; connections: number[] };

/** Samples kept per instance: a minute at one a second. */
const HISTORY = 60;

export function OperationsPanel() {
  const { data } = useQuery(ViewerDocument, { fetchPolicy: 'cache-and-network' });
  if (data?.viewer?.role !== 'ADMIN') return null;
  return <OperationsView />;
}

function OperationsView() {
  const { data, error } = useSubscription(OperationsStatsDocument);
  const [history, setHistory] = useState<Record<string, Series>>({});
  const stats = data?.operationsStats;

  useEffect(() => {
    if (!stats) return;
    setHistory((previous) => {
      const next: Record<string, Series> = {};
      for (const instance of stats.instances) {
        const old = previous[instance.instanceId] ?? { published: [], delivered: [], latency: [], connections: [] };
        next[instance.instanceId] = {
          published: [...old.published, instance.publishedPerSecond].slice(-HISTORY),
          delivered: [...old.delivered, instance.deliveredPerSecond].slice(-HISTORY),
          latency: [...old.latency, instance.latencyP99Ms ?? 0].slice(-HISTORY),
          connections: [...old.connections, instance.connections].slice(-HISTORY),
        };
      }
      return next;
    });
  }, [stats]);

  return (
    <section className="panel operations" data-testid="operations-panel">
      <h2>Operations</h2>
      {error ? <p className="error">{error.message}</p> : null}
      {!stats ? <p className="muted">Waiting for figures…</p> : null}
      {stats?.instances.map((instance) => (
        <InstanceRow key={instance.instanceId} instance={instance} series={history[instance.instanceId]} />
      ))}
      {stats ? (
        <p className="muted" data-testid="operations-updated">
          {stats.instances.length} instance{stats.instances.length === 1 ? '' : 's'} · updated {new Date(stats.at).toLocaleTimeString()}
        </p>
      ) : null}
    </section>
  );
}

function InstanceRow({ instance, series }: { instance: Instance; series?: Series }) {
  const subscriptions = instance.subscriptions.reduce((sum, s) => sum + s.count, 0);
  return (
    <div className="instance" data-testid="operations-instance" data-instance={instance.instanceId}>
      <h3>
        {instance.instanceId} <span className="muted">{Math.round(instance.rssBytes / 1048576)} MB</span>
      </h3>
      <div className="figures">
        <Figure label="connections" value={String(instance.connections)} points={series?.connections} testId="ops-connections" />
        <Figure label="published/s" value={instance.publishedPerSecond.toFixed(1)} points={series?.published} testId="ops-published" />
        <Figure label="delivered/s" value={instance.deliveredPerSecond.toFixed(1)} points={series?.delivered} testId="ops-delivered" />
        <Figure
          label="latency p50 / p99"
          value={instance.latencyP50Ms === null ? '–' : `${instance.latencyP50Ms.toFixed(0)} / ${instance.latencyP99Ms?.toFixed(0)} ms`}
          points={series?.latency}
          testId="ops-latency"
        />
      </div>
      <p className="muted" data-testid="ops-subscriptions">
        {subscriptions} subscriptions{subscriptions > 0 ? ': ' : ''}
        {instance.subscriptions.map((s) => `${s.kind} ${s.count}`).join(', ')}
      </p>
    </div>
  );
}

function Figure({ label, value, points = [], testId }: { label: string; value: string; points?: number[]; testId: string }) {
  return (
    <div className="figure">
      <span className="label">{label}</span>
      <strong data-testid={testId}>{value}</strong>
      <Sparkline points={points} />
    </div>
  );
}

/** A line over the last samples, scaled to its own maximum. */
function Sparkline({ points, width = 120, height = 28 }: { points: number[]; width?: number; height?: number }) {
  const max = Math.max(1, ...points);
  const step = width / (HISTORY - 1);
  const offset = width - (points.length - 1) * step;
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${(offset + i * step).toFixed(1)},${(height - 2 - (p / max) * (height - 4)).toFixed(1)}`)
    .join(' ');
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="last minute">
      <path d={path} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
