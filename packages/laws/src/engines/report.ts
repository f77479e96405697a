/** @file Printing an engine report: the law table, then each failure's numbers and counterexample, then the verdict. */
import { publicFn, s } from '@xent/core/internal';
import { lawTable, mark } from '../certify/report.js';
import type { EngineReport } from './certifyEngine.js';

const isEngineReport = (v: unknown): v is EngineReport => {
  const r = v as Partial<EngineReport> | null;
  return (
    typeof v === 'object' &&
    r !== null &&
    typeof r.engine === 'string' &&
    Array.isArray(r.results) &&
    typeof r.ok === 'boolean'
  );
};

/** A report from `certifyEngine`. */
const engineReport = s.custom('an EngineReport from certifyEngine', isEngineReport, (): EngineReport => ({
  engine: 'engine',
  seed: 1,
  results: [],
  ok: true,
}));

/** The engine report as a text table, with the shrunk counterexample of each failure. */
export const formatEngineReport = publicFn('formatEngineReport', { r: engineReport }, (r: EngineReport): string => {
  const rows = r.results.map((l) => [
    `  ${l.title}`,
    mark[l.status],
    l.status === 'not applicable' ? '' : `${l.runs}`,
    l.status === 'not applicable' ? (l.message ?? '') : `${l.ms.toFixed(0)} ms`,
  ]);
  const out = [`${r.engine} — classification: loss(logits [B, K], labels [B]) (seed ${r.seed})`, ...lawTable(rows)];
  for (const l of r.results.filter((x) => x.status === 'fails')) {
    out.push('', `${l.law} fails: ${l.message ?? ''}`);
    if (l.counterexample !== undefined) out.push(`  counterexample: ${l.counterexample}`);
  }
  const failed = r.results.filter((l) => l.status === 'fails').map((l) => l.law);
  out.push(
    '',
    r.ok ? 'ok: every law that applies holds' : `NOT ok: ${failed.join(', ')} fail${failed.length === 1 ? 's' : ''}`,
  );
  return out.join('\n');
});
