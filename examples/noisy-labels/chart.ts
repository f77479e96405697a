/** @file An SVG line chart (accuracy against noise rate, one line per loss), written without dependencies. */

export interface Series {
  readonly name: string;
  /** [noise, mean accuracy, spread] per point. */
  readonly points: readonly (readonly [number, number, number])[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/** The chart as SVG text: x = noise rate, y = clean test accuracy, error bars = spread. */
export function lineChart(title: string, series: readonly Series[], width = 640, height = 400): string {
  const [left, right, top, bottom] = [60, 170, 40, 50];
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  // The y axis starts a little below the lowest point (rounded to 5%), so the lines are told apart.
  const lows = series.flatMap((s) => s.points.map((p) => p[1] - p[2]));
  const y0 = Math.max(0, Math.floor((Math.min(...lows) - 0.02) * 20) / 20);
  const px = (v: number): number => left + ((v - x0) / Math.max(x1 - x0, 1e-9)) * (width - left - right);
  const py = (v: number): number => top + ((1 - v) / (1 - y0)) * (height - top - bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`,
  ];
  for (let t = Math.round(y0 * 20); t <= 20; t++) {
    const y = py(t / 20).toFixed(1);
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${left - 8}" y="${y}" dy="4" text-anchor="end">${t * 5}%</text>`,
    );
  }
  for (const v of [...new Set(xs)])
    out.push(
      `<text x="${px(v).toFixed(1)}" y="${height - bottom + 18}" text-anchor="middle">${Math.round(v * 100)}%</text>`,
    );
  out.push(
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">symmetric label noise</text>`,
  );
  out.push(
    `<text x="16" y="${(top + height - bottom) / 2}" transform="rotate(-90 16 ${(top + height - bottom) / 2})" text-anchor="middle">clean test accuracy</text>`,
  );
  series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length] as string;
    const path = s.points
      .map((p, k) => `${k === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`)
      .join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const [nx, acc, spread] of s.points) {
      out.push(`<circle cx="${px(nx).toFixed(1)}" cy="${py(acc).toFixed(1)}" r="3" fill="${c}"/>`);
      if (spread > 0)
        out.push(
          `<line x1="${px(nx).toFixed(1)}" x2="${px(nx).toFixed(1)}" y1="${py(acc - spread).toFixed(1)}" y2="${py(acc + spread).toFixed(1)}" stroke="${c}"/>`,
        );
    }
    const ly = top + 10 + 20 * i;
    out.push(
      `<line x1="${width - right + 15}" x2="${width - right + 40}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="2"/>`,
      `<text x="${width - right + 46}" y="${ly + 4}">${s.name}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
