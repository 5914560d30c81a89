/**
 * The report's chart, drawn without a browser: ECharts server-side rendering to SVG, then resvg
 * to PNG (mail clients drop SVG, so the email carries the PNG inline by Content-ID).
 *
 * Entry points: `chartSvg(series, timeZone)` (null when no line has two points yet) and
 * `svgToPng(svg)`. Times are shifted to the account's wall clock and drawn in UTC, so the axis
 * reads in the account's time zone whatever the machine's. Text uses the bundled DejaVu Sans
 * (assets/fonts; system fonts only when the file is missing), so the PNG is the same everywhere.
 * Chart coordinates are JS numbers — drawing only; every figure printed in the report is exact.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderAsync } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import { dec, toFixedString } from '../core/decimal.js';
import type { ChartSeries } from './report-model.js';
import { localWallTimeMs } from './time-zone.js';

export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 300;
const FONT_FAMILY = 'DejaVu Sans';
const FONT_FILE = fileURLToPath(new URL('../../assets/fonts/DejaVuSans.ttf', import.meta.url));
const PALETTE = ['#2563eb', '#d97706', '#7c3aed', '#0d9488', '#db2777', '#65a30d', '#0891b2', '#9333ea'];

const axisMoney = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** The SVG of total P&L over time, one line per strategy and a dashed one for the account. */
export function chartSvg(
  series: readonly ChartSeries[],
  timeZone: string,
  title = 'Total P&L by strategy ($)',
): string | null {
  if (!series.some((s) => s.points.length >= 2)) return null;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: CHART_WIDTH, height: CHART_HEIGHT });
  try {
    chart.setOption({
      animation: false,
      useUTC: true,
      backgroundColor: '#ffffff',
      color: PALETTE,
      textStyle: { fontFamily: FONT_FAMILY, fontSize: 11, color: '#374151' },
      title: {
        text: title,
        left: 10,
        top: 8,
        textStyle: { fontFamily: FONT_FAMILY, fontSize: 13, fontWeight: 'normal', color: '#111827' },
      },
      legend: {
        top: 32,
        left: 10,
        right: 10,
        itemGap: 16,
        itemWidth: 16,
        itemHeight: 8,
        textStyle: { fontFamily: FONT_FAMILY, fontSize: 11 },
      },
      grid: { left: 72, right: 24, top: 76, bottom: 36 },
      xAxis: { type: 'time', axisLabel: { hideOverlap: true, fontFamily: FONT_FAMILY }, splitLine: { show: false } },
      yAxis: {
        type: 'value',
        scale: true,
        axisLabel: { fontFamily: FONT_FAMILY, formatter: (v: number) => axisMoney.format(v) },
        splitLine: { lineStyle: { color: '#e5e7eb' } },
      },
      series: series.map((s) => ({
        type: 'line',
        name: s.name,
        showSymbol: s.points.length <= 40,
        symbolSize: 4,
        lineStyle: { width: s.name === 'account' ? 2 : 1.6, type: s.name === 'account' ? 'dashed' : 'solid' },
        ...(s.name === 'account' ? { color: '#111827' } : {}),
        data: s.points.map((p) => [
          localWallTimeMs(Date.parse(p.ts), timeZone),
          Number(toFixedString(dec(p.value), 2)),
        ]),
      })),
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Rasterizes an SVG at `scale` × its size (2: sharp on high-density screens), on libuv's pool. */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  const bundled = existsSync(FONT_FILE);
  const image = await renderAsync(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: bundled
      ? { fontFiles: [FONT_FILE], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY }
      : { loadSystemFonts: true, defaultFontFamily: FONT_FAMILY },
  });
  return new Uint8Array(image.asPng());
}
