import { forestScale, formatLift } from '../forest-scale.ts';

export interface ForestRow {
  label: string;
  estimate: number | null;
  ci: [number | null, number | null] | null;
  significant: boolean;
  verdict?: string;
}

const WIDTH = 640;
const ROW = 34;
const LEFT = 150;
const RIGHT = 24;
const TOP = 12;
const AXIS = 30;

/**
 * Lifts and their intervals on one axis, one row per comparison: the dot is the estimate, the bar the interval,
 * the dashed line no effect. An open end (a one-sided interval) runs to the edge with an arrow.
 */
export function ForestPlot({ title, rows }: { title: string; rows: readonly ForestRow[] }) {
  const scale = forestScale(rows.flatMap((r) => [r.estimate, r.ci?.[0] ?? null, r.ci?.[1] ?? null]), [LEFT, WIDTH - RIGHT]);
  const height = TOP + rows.length * ROW + AXIS;
  const [lo, hi] = scale.domain;
  const step = scale.ticks.length > 1 ? scale.ticks[1]! - scale.ticks[0]! : 0.01;
  const tickDigits = Math.max(0, Math.ceil(-Math.log10(step * 100) - 1e-9));
  const summary = rows.map((r) => `${r.label}: ${formatLift(r.estimate)} (${formatLift(r.ci?.[0] ?? null)} to ${formatLift(r.ci?.[1] ?? null)})`).join('; ');
  return (
    <svg className="forest-plot" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={`${title}: ${summary}`} preserveAspectRatio="xMinYMin meet">
      <line x1={scale.x(0)} x2={scale.x(0)} y1={TOP - 4} y2={TOP + rows.length * ROW} className="zero" />
      {rows.map((r, i) => {
        const y = TOP + i * ROW + ROW / 2;
        const a = r.ci?.[0] ?? null;
        const b = r.ci?.[1] ?? null;
        const x0 = scale.x(a ?? lo);
        const x1 = scale.x(b ?? hi);
        const cls = r.significant ? (r.verdict === 'regression' ? 'regression' : 'improvement') : 'neutral';
        return (
          <g key={r.label} className={`forest-row ${cls}`} data-testid="forest-row">
            <text x={LEFT - 10} y={y + 4} textAnchor="end" className="row-label">
              {r.label}
            </text>
            {r.ci && <line x1={x0} x2={x1} y1={y} y2={y} className="interval" />}
            {a === null && r.ci && <path d={`M${x0 + 6},${y - 5} L${x0},${y} L${x0 + 6},${y + 5}`} className="interval" fill="none" />}
            {b === null && r.ci && <path d={`M${x1 - 6},${y - 5} L${x1},${y} L${x1 - 6},${y + 5}`} className="interval" fill="none" />}
            {r.estimate !== null && <circle cx={scale.x(r.estimate)} cy={y} r={5} className="estimate" />}
          </g>
        );
      })}
      <g className="axis" transform={`translate(0, ${TOP + rows.length * ROW})`}>
        <line x1={LEFT} x2={WIDTH - RIGHT} y1={0} y2={0} />
        {scale.ticks.map((t) => (
          <g key={t} transform={`translate(${scale.x(t)}, 0)`}>
            <line y1={0} y2={5} />
            <text y={18} textAnchor="middle">
              {formatLift(t, tickDigits)}
            </text>
          </g>
        ))}
      </g>
    </svg>
  );
}
