/** @file Every case table of the library's losses, entropies and divergences in one record: what an exporter must carry. */
import { type LossCase, lossCases, spectralCases } from './lossCases.js';
import { eighCases, moreInformationCases, moreLossCases } from './moreLossCases.js';
import { optaxCases } from './optaxCases.js';
import { tier2Cases } from './tier2Cases.js';

/** The parity suites' tables merged (a key in two tables names the same case). */
export const libraryCases: Record<string, LossCase> = {
  ...lossCases,
  ...spectralCases,
  ...tier2Cases,
  ...optaxCases,
  ...moreLossCases,
  ...moreInformationCases,
  ...eighCases,
};
