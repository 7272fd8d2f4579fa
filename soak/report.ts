/** The soak report: self-contained HTML with inline SVG charts (no scripts, no CDN), faults marked on every chart. */
export interface Series {
  name: string;
  points: [number, number][];
}
export interface Fault {
  at: number;
  kind: string;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

/** One line chart: x in seconds since the start, faults as vertical marks. */
export function chart(title: string, unit: string, series: Series[], faults: Fault[], width = 880, height = 240): string {
  const pad = { left: 60, right: 16, top: 28, bottom: 30 };
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...all.map((p) => p[0]), ...faults.map((f) => f.at));
  const maxY = Math.max(1e-9, ...all.map((p) => p[1])) * 1.1;
  const x = (v: number) => pad.left + (v / maxX) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / maxY) * (height - pad.top - pad.bottom);
  const lines = series
    .map((s, i) => {
      const d = s.points.map((p, k) => `${k ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
      return `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5"/>`;
    })
    .join('');
  const marks = faults
    .map(
      (f) =>
        `<line x1="${x(f.at)}" x2="${x(f.at)}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#999" stroke-dasharray="3,3"/>` +
        `<text x="${x(f.at) + 2}" y="${pad.top + 10}" font-size="9" fill="#666">${f.kind}</text>`,
    )
    .join('');
  const legend = series.map((s, i) => `<tspan fill="${COLORS[i % COLORS.length]}" dx="${i ? 12 : 0}">■ ${s.name}</tspan>`).join('');
  const ticks = [0, 0.5, 1].map(
    (t) =>
      `<text x="${pad.left - 6}" y="${y(maxY * t) + 3}" font-size="10" text-anchor="end">${(maxY * t).toFixed(maxY < 10 ? 1 : 0)}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" role="img">
<title>${title} (${unit}) per instance over the soak run, faults marked</title>
<text x="${pad.left}" y="16" font-size="13" font-weight="bold">${title} (${unit})</text>
<text x="${width - pad.right}" y="16" font-size="11" text-anchor="end">${legend}</text>
<line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" stroke="#333"/>
<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#333"/>
${ticks.join('')}
<text x="${width - pad.right}" y="${height - 8}" font-size="10" text-anchor="end">${Math.round(maxX)} s</text>
${marks}${lines}</svg>`;
}

export function page(summary: object, charts: string[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Pulse soak report</title>
<style>body{font-family:sans-serif;margin:24px;max-width:920px}pre{background:#f4f4f5;padding:12px;overflow:auto}</style></head>
<body><h1>Pulse soak report</h1>
<p>Dashed lines are faults. Memory is per instance; latency is commit to receipt at the subscribers, per minute.</p>
${charts.map((c) => `<div>${c}</div>`).join('\n')}
<h2>Summary</h2><pre>${JSON.stringify(summary, null, 2).replace(/</g, '&lt;')}</pre></body></html>`;
}
