/**
 * Time-series charts with uPlot: `lineChart(figure, options)` draws one or more series against
 * time (UTC), resizes with its container and takes new data with `update` (re-created only when
 * the set of series changes). Values are plotted as numbers: display only; the tables beside
 * the charts show the exact strings.
 *
 * Each chart sits in a `<figure>` whose caption states what it shows and the latest values, so
 * the information is there without seeing the canvas.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Colour-blind friendly (Okabe–Ito), dark enough on white. */
const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#8a6d00', '#56b4e9', '#000000', '#e69f00'];

export interface Series {
  readonly label: string;
  /** [ISO time, value as exact decimal string] oldest first. */
  readonly points: readonly (readonly [string, string])[];
}

export interface ChartOptions {
  /** Formats a value for the axis (short). */
  readonly axis: (value: number) => string;
  /** Formats a value for the legend. */
  readonly value: (value: number) => string;
  /** Fill under the line (drawdown). */
  readonly fill?: string;
  readonly height?: number;
}

export interface LineChart {
  update(series: readonly Series[]): void;
  destroy(): void;
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** Aligns the series on one time axis (gaps where a series has no point). */
function aligned(series: readonly Series[]): uPlot.AlignedData {
  const tables = series.map((s) => {
    const byTime = new Map<number, number>();
    for (const [ts, value] of s.points) byTime.set(seconds(ts), Number(value));
    const xs = [...byTime.keys()].sort((a, b) => a - b);
    return [xs, xs.map((x) => byTime.get(x)!)] as uPlot.AlignedData;
  });
  if (tables.length === 1) return tables[0]!;
  return uPlot.join(tables);
}

export function lineChart(host: HTMLElement, options: ChartOptions): LineChart {
  let plot: uPlot | undefined;
  let labels = '';
  const width = () => Math.max(280, host.clientWidth);
  const height = () => options.height ?? (window.innerWidth < 640 ? 200 : 260);

  const build = (series: readonly Series[]) => {
    plot?.destroy();
    const opts: uPlot.Options = {
      width: width(),
      height: height(),
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: { x: { time: true } },
      series: [
        { label: 'Time (UTC)' },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length]!,
          width: 1.5,
          spanGaps: true,
          ...(options.fill ? { fill: options.fill } : {}),
          value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '—' : options.value(v)),
        })),
      ],
      axes: [{}, { size: 78, values: (_u, splits) => splits.map(options.axis) }],
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
    };
    plot = new uPlot(opts, aligned(series), host);
  };

  const observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: height() }));
  observer.observe(host);

  return {
    update(series) {
      const next = series.map((s) => s.label).join('\u0000');
      if (!plot || next !== labels) {
        labels = next;
        build(series);
      } else plot.setData(aligned(series));
    },
    destroy() {
      observer.disconnect();
      plot?.destroy();
      plot = undefined;
    },
  };
}

/** Compact money for an axis: "12.3k", "1.2M", "950". */
export function compactMoney(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(abs < 10 ? 2 : 0);
}
