/** @file Printing a certify report: a table for people, JSON for tools. */
import { publicFn, s } from '@xent/core/internal';
import type { LawResult, Report } from './certify.js';
import { kinds, signatures } from './kinds.js';

const isReport = (v: unknown): v is Report => {
  const r = v as Partial<Report> | null;
  return (
    typeof v === 'object' &&
    r !== null &&
    typeof r.name === 'string' &&
    kinds.includes(r.kind as Report['kind']) &&
    Array.isArray(r.results) &&
    Array.isArray(r.failedClaims) &&
    Array.isArray(r.unknownClaims) &&
    typeof r.ok === 'boolean'
  );
};

/** A report from `certify`. */
const report = s.custom('a Report from certify', isReport, (): Report => ({
  name: 'loss',
  kind: 'classification',
  signature: signatures.classification,
  seed: 1,
  results: [],
  gradientWrong: false,
  notFinite: false,
  failedClaims: [],
  unknownClaims: [],
  ok: true,
}));

export const mark: Record<LawResult['status'], string> = { holds: 'holds', fails: 'FAILS', 'not applicable': 'n/a' };

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** The law table: a header, a rule, and one row per law (law, result, runs, time or why not), in aligned columns. */
export function lawTable(rows: readonly (readonly string[])[]): string[] {
  const head = ['  law', 'result', 'runs', 'time / why not'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => pad(c, widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The report as a text table: one row per law, then the counterexamples of the failures. */
export const formatReport = publicFn('formatReport', { r: report }, (r: Report): string => {
  const rows = r.results.map((l) => [
    `${l.claimed ? '* ' : '  '}${l.title}`,
    mark[l.status],
    l.status === 'not applicable' ? '' : `${l.runs}`,
    l.status === 'not applicable'
      ? (l.message ?? '')
      : `${l.ms.toFixed(0)} ms${l.method === undefined ? '' : ` (${l.method})`}`,
  ]);
  const out = [`${r.name} — ${r.kind}: ${r.signature} (seed ${r.seed})`, ...lawTable(rows)];
  for (const l of r.results.filter((x) => x.status === 'fails')) {
    out.push('', `${l.claimed ? 'claimed ' : ''}${l.law} fails: ${l.message ?? ''}`);
    if (l.counterexample !== undefined) out.push(`  counterexample: ${l.counterexample}`);
  }
  if (r.unknownClaims.length > 0) out.push('', `unknown claims (not law names): ${r.unknownClaims.join(', ')}`);
  const held = [
    'the gradient is right',
    ...(r.results.some((l) => l.law === 'finite' && l.status === 'holds')
      ? ['no value or gradient is NaN or ±Inf']
      : []),
    ...(r.results.some((l) => l.claimed) ? ['every claim holds'] : []),
  ];
  const failed = [
    ...(r.gradientWrong ? ['the gradient is wrong'] : []),
    ...(r.notFinite ? ['a value or gradient is not finite'] : []),
    ...(r.failedClaims.length > 0
      ? [`claimed ${r.failedClaims.join(', ')} fail${r.failedClaims.length === 1 ? 's' : ''}`]
      : []),
    ...(r.unknownClaims.length > 0 ? ['unknown claims'] : []),
  ];
  out.push(
    '',
    r.ok ? `ok: ${held.join(', ').replace(/, ([^,]*)$/, ' and $1')}` : `NOT ok: ${failed.join('; ')}`,
    '(* = claimed)',
  );
  return out.join('\n');
});

/** The report as JSON (stable keys; counterexamples as fast-check prints them). */
export const reportJson = publicFn('reportJson', { r: report }, (r: Report): string => JSON.stringify(r, null, 2));
