/**
 * Advisories in production dependencies that `tools/audit.ts` lets through, each with why and until
 * when. An entry is a decision someone can be asked about: the advisory's GHSA id (as in the
 * advisory's URL), the vulnerable package, why Pasokh is not exposed or cannot move yet, and a date
 * after which CI fails again so the decision is looked at anew (at most six months ahead).
 *
 * Adding one: run `npx tsx tools/audit.ts`, read the advisory, check whether Pasokh reaches the
 * vulnerable code (which input, from whom), and prefer upgrading (`npm update <pkg>` or an
 * `overrides` entry in package.json) to listing it here.
 *
 * The list is empty: no advisory has been accepted.
 */
export interface AllowedAdvisory {
  /** GHSA id, e.g. `GHSA-xxxx-xxxx-xxxx` (the last part of https://github.com/advisories/GHSA-…). */
  id: string;
  /** The vulnerable package the advisory names. */
  package: string;
  /** Why it is acceptable for now: what input reaches the vulnerable code, and why that is safe here. */
  reason: string;
  /** YYYY-MM-DD: from the day after, the entry no longer counts and CI fails until it is reviewed. */
  until: string;
}

export const allowedAdvisories: AllowedAdvisory[] = [];
