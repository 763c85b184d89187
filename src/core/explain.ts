// Whole explanations: every gap carries a short headline and the full list of reasons (R-EXPLAIN-1/2,
// docs/evaluation.md). Gaps the engine computes get both from the context space (coverage.ts); the gaps that
// say data is missing (R-DATA-*) are a sentence of their own, which is their one reason.
import type { Gap } from './coverage.js';
import { unknownHeadline } from './headline.js';

/** Fills in the headline and reasons of gaps that were written as one sentence. */
export function completeGaps(gaps: Gap[]): void {
  for (const gap of gaps) {
    if (gap.headline === undefined) gap.headline = gap.kind === 'unknown' ? unknownHeadline(gap.summary) : gap.summary;
    // `in`: computed gaps carry reasons worked out when read (lazyReasons); reading them here would work them out.
    if (!('reasons' in gap)) gap.reasons = gap.kind === 'unknown' ? [gap.summary] : [];
  }
}
