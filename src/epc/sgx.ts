/**
 * Constants of the SGX driver the model mirrors (arch/x86/kernel/cpu/sgx/sgx.h, v17 series).
 */

/** Bytes per EPC page. */
export const PAGE_SIZE = 4096;
/** Pages taken from an LRU per reclaim_pages() batch (SGX_NR_TO_SCAN). */
export const SGX_NR_TO_SCAN = 16;
/** ksgxd is woken when free pages drop below this after an allocation (SGX_NR_LOW_PAGES). */
export const SGX_NR_LOW_PAGES = 32;
/** ksgxd reclaims until free pages reach this (SGX_NR_HIGH_PAGES). */
export const SGX_NR_HIGH_PAGES = 64;
/** Version-array slots per VA page (SGX_VA_SLOT_COUNT). */
export const SGX_VA_SLOT_COUNT = 512;
/** should_reclaim(): limits above this get a margin of SGX_CG_MIN_FREE_PAGE below them. */
export const SGX_CG_LOW_MARGIN_THRESHOLD = 4 * SGX_NR_LOW_PAGES;
/** The margin below the effective limit at which async reclaim starts (v17: SGX_CG_MIN_FREE_PAGE). */
export const SGX_CG_MIN_FREE_PAGE = SGX_NR_LOW_PAGES;

/** Kernel errno values, returned negated by the hot path (like the kernel) to avoid allocation. */
export const EBUSY = 16;
export const ENOMEM = 12;

/** sgx_reclaim: whether an allocation may reclaim synchronously (SGX_DO_RECLAIM) or not. */
export const SGX_NO_RECLAIM = false;
export const SGX_DO_RECLAIM = true;

/** "No page" in the page-indexed linked lists. */
export const NIL = -1;

/** Page kinds kept in the low bits of EpcPages.flags (sgx_epc_page flags / owner type). */
export const PAGE_FREE = 0;
export const PAGE_REG = 1;
export const PAGE_SECS = 2;
export const PAGE_VA = 3;
export const PAGE_KIND_MASK = 3;
/** The page was touched since the reclaimer last looked (the PTE accessed bit). */
export const PAGE_ACCESSED = 4;

/**
 * Largest EPC the model takes, in pages (2 TiB): keeps every page count a small integer (a V8
 * Smi) on the hot path.
 */
export const MAX_CAPACITY_PAGES = 2 ** 29;
/**
 * Limits are clamped to this many pages for the hot path (misc.max keeps the exact bytes). Any
 * limit at or above the capacity behaves the same: the capacity check refuses first, and
 * should_reclaim() can never trigger above the capacity.
 */
export const LIMIT_CLAMP_PAGES = 2 ** 30 - 1;
