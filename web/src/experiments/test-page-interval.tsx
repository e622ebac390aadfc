/**
 * The lift of each variant over the control with its interval, drawn as inline SVG (presentation
 * by CSS classes: the CSP forbids style attributes). The SVG is an image with a text alternative;
 * the same numbers are in the comparisons table beside it.
 */
import { intervalGeometry, intervalKind, type IntervalRow } from './test-page-model';

const LEFT = 120;
const RIGHT = 20;
const WIDTH = 480;
const ROW = 40;
const TOP = 12;

interface Props {
  rows: readonly IntervalRow[];
  method: string;
  id: string;
  format(v: number): string;
  unit: string;
}

export function IntervalPlot({ rows, method, id, format, unit }: Props) {
  if (rows.length === 0) return null;
  const g = intervalGeometry(rows, LEFT, WIDTH - LEFT - RIGHT);
  const height = TOP + rows.length * ROW + 28;
  const kind = intervalKind(method);
  const desc = rows
    .map((r) => `${r.label}: ${format(r.estimate)}, interval ${format(r.lower)} to ${format(r.upper)}${r.significant ? ', significant' : ''}`)
    .join('; ');
  return (
    <figure className="interval-plot">
      <figcaption id={`${id}-caption`}>Lift over the control with its {kind} interval ({unit})</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby={`${id}-caption ${id}-desc`} className="interval-svg">
        <desc id={`${id}-desc`}>{desc}</desc>
        {g.ticks.map((t) => (
          <g key={t} aria-hidden="true">
            <line className={t === 0 ? 'zero' : 'grid'} x1={g.at(t)} x2={g.at(t)} y1={TOP - 4} y2={TOP + rows.length * ROW} />
            <text className="tick" x={g.at(t)} y={TOP + rows.length * ROW + 18} textAnchor="middle">
              {t === 0 ? '0' : format(t).replace(' pp', '')}
            </text>
          </g>
        ))}
        {rows.map((r, i) => {
          const y = TOP + i * ROW + ROW / 2;
          return (
            <g key={r.label} className={r.significant ? 'row significant' : 'row'} aria-hidden="true">
              <text className="label" x={LEFT - 10} y={y + 4} textAnchor="end">
                {r.label.length > 14 ? `${r.label.slice(0, 13)}…` : r.label}
              </text>
              <line className="whisker" x1={g.at(r.lower)} x2={g.at(r.upper)} y1={y} y2={y} />
              <line className="whisker" x1={g.at(r.lower)} x2={g.at(r.lower)} y1={y - 7} y2={y + 7} />
              <line className="whisker" x1={g.at(r.upper)} x2={g.at(r.upper)} y1={y - 7} y2={y + 7} />
              <circle className="estimate" cx={g.at(r.estimate)} cy={y} r={5} />
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
