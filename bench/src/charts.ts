/** @file `npm run bench:charts`: renders every chart of bench/performance.json into its SVG file under docs/. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Chart, ratioBarChart } from './barChart.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { charts } = JSON.parse(readFileSync(`${root}bench/performance.json`, 'utf8')) as { charts: Chart[] };
for (const chart of charts) {
  writeFileSync(`${root}${chart.file}`, ratioBarChart(chart));
  console.log(`${chart.file}: ${chart.rows.length} rows`);
}
