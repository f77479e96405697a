/**
 * @file Index-check sites: the bound a kernel's `checkIndex` checks and who a failure blames,
 * interned as the number the scalar op carries (its `imm`), so that every backend raises the
 * IndexError of the public function whose indices were out of range.
 */
import { gatherBlame, gatherIndexError, type IndexBlame, type IndexError, InternalError } from '../errors.js';

/** An index check: indices must lie in [0, bound); a failure blames `fn`'s argument `arg`. */
export interface IndexSite extends IndexBlame {
  readonly bound: number;
}

const sites: IndexSite[] = [];
const idOf = new Map<string, number>();

/** The number of the site (the same for equal sites, stable for the life of the process). */
export function indexSite(bound: number, blame: IndexBlame = gatherBlame): number {
  const key = `${bound}|${blame.fn}|${blame.arg}`;
  let id = idOf.get(key);
  if (id === undefined) {
    id = sites.length;
    sites.push(Object.freeze({ bound, fn: blame.fn, arg: blame.arg }));
    idOf.set(key, id);
  }
  return id;
}

/** The site numbered `id`. */
export function siteOf(id: number): IndexSite {
  const site = sites[id];
  if (site === undefined) throw new InternalError(`index-check site ${id} was never made`);
  return site;
}

/** The IndexError of site `id` for the index `got`. */
export const siteIndexError = (id: number, got: number): IndexError => {
  const site = siteOf(id);
  return gatherIndexError(site.bound, got, site);
};
