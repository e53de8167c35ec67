/**
 * Modeled access time: what an access would cost on SGX hardware, in the model's own time, so
 * isolation is judged by what EPC limits control and not by this machine's CPU load.
 *
 *   modeled time = pages accessed x PAGE_ACCESS_NS + paging cost charged to those accesses
 *
 * The paging cost is the `simulatedNs` the controller returns with every access reply (and with
 * an EBUSY answer's partial sum): reloads (fault + ELDU) and any evictions done on the caller's
 * behalf, at the cost model's cycles (src/epc/cost-model.ts: 40k cycles each at 3 GHz, the figure
 * the SGX paging literature gives for one page swap). A resident page costs only PAGE_ACCESS_CYCLES:
 * on hardware it is touched with no kernel involvement.
 */
import { DEFAULT_COSTS } from '../epc/cost-model.js';

/**
 * Modeled cycles to touch one resident 4 KiB EPC page: its 64 cache lines read through the
 * memory encryption engine at ~60 cycles each (throughput-bound streaming from encrypted DRAM),
 * about 4,000 cycles, a tenth of one reload. A model parameter, not a measurement: it sets how
 * large paging looks next to useful work, never whether a tenant was paged (an unpaged tenant's
 * modeled slowdown is exactly 1 for any value).
 */
export const PAGE_ACCESS_CYCLES = 4_000;

/** PAGE_ACCESS_CYCLES at the cost model's clock (DEFAULT_COSTS.ghz), in ns (~1333 ns). */
export const PAGE_ACCESS_NS = PAGE_ACCESS_CYCLES / DEFAULT_COSTS.ghz;

/** Modeled time of a stretch of accesses. */
export interface ModeledTime {
  /** Pages touched. */
  pages: number;
  /** Paging cost the controller charged to those accesses (simulated ns). */
  pagingNs: number;
  /** (pages x PAGE_ACCESS_NS + pagingNs) / pages, rounded to 0.1 ns; 0 when no page was touched. */
  nsPerPage: number;
}

/** The modeled time of `pages` accesses that were charged `pagingNs` of paging. */
export function modeledTime(pages: number, pagingNs: number): ModeledTime {
  const nsPerPage = pages > 0 ? Math.round(((pages * PAGE_ACCESS_NS + pagingNs) / pages) * 10) / 10 : 0;
  return { pages, pagingNs: Math.round(pagingNs), nsPerPage };
}
