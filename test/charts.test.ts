/** @file The performance charts in docs/ are what `npm run bench:charts` renders from bench/performance.json. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { type Chart, ratioBarChart } from '../bench/src/barChart.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { charts } = JSON.parse(readFileSync(`${root}bench/performance.json`, 'utf8')) as { charts: Chart[] };

test.for(charts.map((c) => [c.file, c] as const))('%s is up to date (npm run bench:charts)', ([file, chart]) => {
  expect(readFileSync(`${root}${file}`, 'utf8')).toBe(ratioBarChart(chart));
});

test('a chart has a bar per measured time, sized by its ratio, and a note where there is no time', () => {
  const svg = ratioBarChart({
    file: 'unused.svg',
    title: 'T',
    measured: 'today',
    baseline: 'a',
    libraries: ['a', 'b', 'c'],
    rows: [{ workload: 'W', size: '2×2', times: { a: 2, b: 6, c: 'timeout' } }],
  });
  expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(2);
  expect(svg).toContain('3.00×');
  expect(svg).toContain('c: timeout');
});
