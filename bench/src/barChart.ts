/** @file SVG bar charts of benchmark times as ratios to a baseline library, on a log scale, written without dependencies. */

/** One workload at one size: a time per library (in `unit`, default ms), or a note saying why there is none. */
export interface ChartRow {
  readonly workload: string;
  readonly size: string;
  readonly unit?: string;
  readonly times: Readonly<Record<string, number | string>>;
}

/** One chart of bench/performance.json. */
export interface Chart {
  /** Where `npm run bench:charts` writes it, relative to the repository root. */
  readonly file: string;
  readonly title: string;
  /** When and on what the numbers were measured. */
  readonly measured: string;
  /** The library every time is divided by. */
  readonly baseline: string;
  /** The libraries in legend order (one bar each per row). */
  readonly libraries: readonly string[];
  readonly rows: readonly ChartRow[];
}

const COLOURS = ['#1f77b4', '#aec7e8', '#ff7f0e', '#d62728', '#2ca02c', '#9467bd'];

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** "2.14×", "75×": two significant digits below 10, none above. */
const formatRatio = (r: number): string => `${r < 10 ? r.toFixed(2) : r.toFixed(0)}×`;

/** Powers of ten (and 2×, 5×) between the ends of the axis. */
function ticks(low: number, high: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(Math.log10(low)); p <= Math.ceil(Math.log10(high)); p++)
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** p;
      if (t >= low && t <= high) out.push(t);
    }
  return out;
}

/**
 * The chart as SVG text: a group of horizontal bars per row, one per library, whose length is the
 * library's time over the baseline's on a log axis (1× is the baseline). A cell without a time
 * shows its note instead of a bar.
 */
export function ratioBarChart(chart: Chart): string {
  const bar = 13;
  const gap = 10;
  const [left, right, top, bottom] = [270, 130, 56, 46];
  const width = 940;
  const group = chart.libraries.length * bar + gap;
  const height = top + chart.rows.length * group + bottom;
  const ratios = chart.rows.flatMap((row) => {
    const base = row.times[chart.baseline];
    return Object.values(row.times).flatMap((t) =>
      typeof t === 'number' && typeof base === 'number' ? [t / base] : [],
    );
  });
  const low = Math.min(0.5, ...ratios);
  const high = Math.max(2, ...ratios) * 1.15;
  const px = (r: number): number =>
    left + ((Math.log(r) - Math.log(low)) / (Math.log(high) - Math.log(low))) * (width - left - right);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escape(chart.title)}</text>`,
    `<text x="${width / 2}" y="37" text-anchor="middle" fill="#555">${escape(chart.measured)}; log scale</text>`,
  ];
  for (const t of ticks(low, high)) {
    const x = px(t).toFixed(1);
    out.push(
      `<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${height - bottom}" stroke="${t === 1 ? '#333' : '#ddd'}"/>`,
      `<text x="${x}" y="${height - bottom + 14}" text-anchor="middle">${t}×</text>`,
    );
  }
  out.push(
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">time ÷ ${escape(chart.baseline)} time</text>`,
  );
  chart.rows.forEach((row, i) => {
    const y0 = top + i * group;
    const base = row.times[chart.baseline];
    const unit = row.unit ?? 'ms';
    out.push(
      `<text x="${left - 8}" y="${y0 + group / 2 - 4}" text-anchor="end">${escape(row.workload)}</text>`,
      `<text x="${left - 8}" y="${y0 + group / 2 + 9}" text-anchor="end" fill="#555">${escape(row.size)}${typeof base === 'number' ? `, ${escape(chart.baseline)} ${base} ${escape(unit)}` : ''}</text>`,
    );
    chart.libraries.forEach((lib, j) => {
      const y = y0 + j * bar;
      const t = row.times[lib];
      if (typeof t === 'number' && typeof base === 'number') {
        const r = t / base;
        const x0 = px(low);
        out.push(
          `<rect x="${x0.toFixed(1)}" y="${y}" width="${(px(r) - x0).toFixed(1)}" height="${bar - 2}" fill="${COLOURS[j % COLOURS.length] as string}"><title>${escape(lib)}: ${t} ${escape(unit)}</title></rect>`,
          `<text x="${(px(r) + 4).toFixed(1)}" y="${y + bar - 3}">${formatRatio(r)}</text>`,
        );
      } else {
        out.push(
          `<text x="${(px(low) + 4).toFixed(1)}" y="${y + bar - 3}" fill="#b00">${escape(lib)}: ${escape(String(t ?? 'not run'))}</text>`,
        );
      }
    });
  });
  chart.libraries.forEach((lib, j) => {
    const y = top + j * 16;
    out.push(
      `<rect x="${width - right + 12}" y="${y}" width="12" height="11" fill="${COLOURS[j % COLOURS.length] as string}"/>`,
      `<text x="${width - right + 28}" y="${y + 10}">${escape(lib)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
