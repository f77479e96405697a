/** @file A vitest reporter that prints each project's wall time (first file started to last file ended) after a run. */
import type { Reporter, TestModule } from 'vitest/node';

interface Span {
  start: number;
  end: number;
  files: number;
  tests: number;
}

/** Wall time per project, with the competing load `.ci/run` declares in XENT_TEST_LOAD. */
export default class ProjectTimes implements Reporter {
  private readonly spans = new Map<string, Span>();

  onTestModuleStart(testModule: TestModule): void {
    const name = testModule.project.name;
    const now = performance.now();
    const span = this.spans.get(name);
    if (span === undefined) this.spans.set(name, { start: now, end: now, files: 0, tests: 0 });
    else span.start = Math.min(span.start, now);
  }

  onTestModuleEnd(testModule: TestModule): void {
    const span = this.spans.get(testModule.project.name);
    if (span === undefined) return;
    span.end = Math.max(span.end, performance.now());
    span.files += 1;
    span.tests += [...testModule.children.allTests()].length;
  }

  onTestRunEnd(): void {
    const load = process.env['XENT_TEST_LOAD'];
    const busy = load === undefined || load === '0' ? 'no competing load' : `a competing load of ${load} busy core(s)`;
    const lines = [...this.spans].map(
      ([name, s]) =>
        `  ${name.padEnd(10)} ${((s.end - s.start) / 1000).toFixed(1).padStart(7)} s  (${s.files} files, ${s.tests} tests)`,
    );
    if (lines.length > 0) console.log(`\nwall time per project, with ${busy}:\n${lines.join('\n')}\n`);
  }
}
