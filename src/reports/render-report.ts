/**
 * A report model made into what is sent or saved: the subject, the HTML (MJML), the plain-text
 * alternative and the inline chart image (PNG, referenced from the HTML as `cid:equity-chart`),
 * plus the mail message itself and the files `--out` writes.
 *
 * Entry points: `renderReport(model)`, `reportMessage(rendered, from, to)`,
 * `writeReportFiles(rendered, htmlPath)` (the HTML with the image paths next to it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { InlineImage, MailMessage } from '../app/ports/mailer-port.js';
import { reportSubject } from './report-format.js';
import type { ReportModel } from './report-model.js';
import { reportText } from './report-text.js';

export const CHART_CID = 'equity-chart';

export interface RenderedReport {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** The chart (none while no line has two points). */
  readonly images: readonly InlineImage[];
}

export async function renderReport(model: ReportModel): Promise<RenderedReport> {
  // ECharts, resvg and MJML load when a report is rendered, not with every command that can send one.
  const [{ chartSvg, svgToPng }, { reportHtml }] = await Promise.all([
    import('./report-chart.js'),
    import('./report-html.js'),
  ]);
  const svg = chartSvg(model.chart, model.time_zone);
  const images: InlineImage[] = svg
    ? [{ cid: CHART_CID, filename: `${CHART_CID}.png`, contentType: 'image/png', content: await svgToPng(svg) }]
    : [];
  return {
    subject: reportSubject(model),
    html: await reportHtml(model, { chartCid: svg ? CHART_CID : null }),
    text: reportText(model),
    images,
  };
}

export function reportMessage(report: RenderedReport, from: string, to: readonly string[]): MailMessage {
  return { from, to: [...to], subject: report.subject, html: report.html, text: report.text, inline: report.images };
}

/**
 * Writes the HTML to `htmlPath` and each image beside it as `<name>.<cid>.png`, with the HTML's
 * `cid:` references pointing at those files, so a browser shows what the mail client would.
 * Returns the paths written.
 */
export function writeReportFiles(report: RenderedReport, htmlPath: string): string[] {
  const dir = dirname(htmlPath);
  mkdirSync(dir, { recursive: true });
  const stem = basename(htmlPath, extname(htmlPath));
  let html = report.html;
  const written: string[] = [];
  for (const image of report.images) {
    const file = `${stem}.${image.cid}.png`;
    writeFileSync(join(dir, file), image.content);
    written.push(join(dir, file));
    html = html.split(`cid:${image.cid}`).join(encodeURI(file));
  }
  writeFileSync(htmlPath, html);
  return [htmlPath, ...written];
}
