/**
 * Charts for every screen: uPlot (a maintained canvas chart library, ~20 KB gzipped, no inline
 * style attributes, so it runs under the page's strict CSP) inside a <figure>. A canvas says
 * nothing to a screen reader, so the same numbers are always in a table under the chart
 * (collapsed in a <details>), and the figure's caption names what is drawn.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { DAY_INCREMENTS, isDailyOrCoarser } from './chart-scale';

export interface ChartSeries {
  label: string;
  values: readonly (number | null)[];
  /** Formats a value in the tooltip legend and the table. */
  format?: (v: number) => string;
}

export interface ChartProps {
  /** The figure's caption: what the chart shows. */
  title: string;
  /** x values: unix seconds when `time`, otherwise plain numbers (e.g. hours 0–23). */
  x: readonly number[];
  series: readonly ChartSeries[];
  kind?: 'line' | 'bars';
  time?: boolean;
  /** Labels the x column of the table (default "Date" / "x"). */
  xLabel?: string;
  xFormat?: (x: number) => string;
  height?: number;
}

// Distinct at the 3:1 contrast graphics need against white (WCAG 1.4.11).
export const PALETTE = ['#1f5fbf', '#b3470f', '#2a7a3b', '#8a3fa8', '#a4262c', '#0b6a75', '#6b5b00', '#4a4a4a'];

export function Chart({ title, x, series, kind = 'line', time = true, xLabel, xFormat, height = 240 }: ChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const formatX = xFormat ?? (time ? (v: number) => new Date(v * 1000).toLocaleDateString() : (v: number) => String(v));

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const coarse = time && isDailyOrCoarser(x);
    const bars = kind === 'bars' ? uPlot.paths.bars!({ size: [0.7 / Math.max(1, series.length), 60] }) : undefined;
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      scales: { x: { time } },
      legend: { live: true },
      series: [
        { label: xLabel ?? (time ? 'Date' : 'x'), value: (_u, v) => (v == null ? '—' : formatX(v)) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          fill: kind === 'bars' ? `${PALETTE[i % PALETTE.length]}cc` : undefined,
          paths: bars,
          points: { show: kind === 'line' && x.length < 40 },
          value: (_u: uPlot, v: number | null) => (v == null ? '—' : (s.format ?? String)(v)),
        })),
      ],
      axes: [
        // Daily or coarser buckets get ticks on whole days, labelled like the table (uPlot would add hour ticks in between).
        coarse ? { incrs: DAY_INCREMENTS, values: (_u, vals) => vals.map((v) => formatX(v)) } : { values: time ? undefined : (_u, vals) => vals.map((v) => formatX(v)) },
        { size: 60 },
      ],
    };
    const plot = new uPlot(opts, [x as number[], ...series.map((s) => s.values as (number | null)[])], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
    // formatX is derived from the props listed.
  }, [x, series, kind, time, height, xLabel, xFormat]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={holder} className="chart-canvas" aria-hidden="true" />
      <details>
        <summary>The numbers as a table</summary>
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{xLabel ?? (time ? 'Date' : 'x')}</th>
                {series.map((s) => (
                  <th scope="col" key={s.label}>{s.label}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {x.map((xv, i) => (
                <tr key={xv}>
                  {/* data-label: on narrow screens the header row is hidden and each cell names its column (styles.css). */}
                  <th scope="row" data-label={xLabel ?? (time ? 'Date' : 'x')}>{formatX(xv)}</th>
                  {series.map((s) => {
                    const v = s.values[i];
                    return <td key={s.label} data-label={s.label}>{v == null ? '—' : (s.format ?? String)(v)}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
