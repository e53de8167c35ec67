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
