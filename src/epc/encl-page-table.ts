import { NIL } from './sgx.js';

/** Enclave pages per chunk of the page table (1 << CHUNK_SHIFT): an enclave's growth unit. */
const CHUNK_SHIFT = 10;
const CHUNK = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK - 1;
/** Chunks are carved from slabs of 64 (256 KiB): allocating a typed array per chunk is slow. */
const SLAB_SHIFT = CHUNK_SHIFT + 6;
const SLAB_MASK = (1 << SLAB_SHIFT) - 1;
/** Location of an enclave page that is not in the EPC (evicted to its backing store). */
export const EVICTED = NIL;

/**
 * Where every enclave page lives (encl->page_array: sgx_encl_page->epc_page), 4 bytes per
 * enclave page: the EPC page index while resident, EVICTED otherwise. Evicted pages therefore
 * cost 4 bytes and no EPC page.
 *
 * Pages get a global id (gid) that the EPC page stores as its owner: gid = chunk << 10 | offset.
 * An enclave's pages, in add order, fill its chunks in order; chunks are recycled on destroy.
 */
export class EnclavePageTable {
  /** gid >>> SLAB_SHIFT -> locations of 64 chunks of 1024 enclave pages. */
  private readonly slabs: Int32Array[] = [];
  private nrChunks = 0;
  /** chunk id -> owning enclave id. */
  private chunkOwner = new Int32Array(64);
  private readonly freeChunks: number[] = [];

  /** Bytes of typed arrays held. */
  bytes(): number {
    let n = this.chunkOwner.byteLength;
    for (const s of this.slabs) n += s.byteLength;
    return n;
  }

  /** Location (EPC page or EVICTED) of a page by gid. */
  loc(gid: number): number {
    return this.slabs[gid >>> SLAB_SHIFT][gid & SLAB_MASK];
  }

  /** The slab holding gid's location, at slotOf(gid): look it up once to read and then write. */
  slabOf(gid: number): Int32Array {
    return this.slabs[gid >>> SLAB_SHIFT];
  }

  /** Index of gid's location in slabOf(gid). */
  slotOf(gid: number): number {
    return gid & SLAB_MASK;
  }

  setLoc(gid: number, where: number): void {
    this.slabs[gid >>> SLAB_SHIFT][gid & SLAB_MASK] = where;
  }

  /** Enclave id owning a gid. */
  ownerOf(gid: number): number {
    return this.chunkOwner[gid >>> CHUNK_SHIFT];
  }

  /**
   * gid of page `index` of an enclave whose chunk list is `chunks`; appends a chunk when index
   * is the first page of a new one (pages are only ever appended, in add order).
   */
  gidFor(enclaveId: number, chunks: number[], index: number): number {
    const c = index >>> CHUNK_SHIFT;
    if (c === chunks.length) chunks.push(this.allocChunk(enclaveId));
    return (chunks[c] << CHUNK_SHIFT) | (index & CHUNK_MASK);
  }

  /** gid of an existing page (index < pages of the enclave). */
  gidOf(chunks: number[], index: number): number {
    return (chunks[index >>> CHUNK_SHIFT] << CHUNK_SHIFT) | (index & CHUNK_MASK);
  }

  /** Gives an enclave's chunks back (sgx_encl_release()). */
  release(chunks: number[]): void {
    for (const c of chunks) {
      this.chunkOwner[c] = NIL;
      this.freeChunks.push(c);
    }
    chunks.length = 0;
  }

  private allocChunk(enclaveId: number): number {
    let c = this.freeChunks.pop();
    if (c === undefined) {
      c = this.nrChunks++;
      if (c >= 1 << (31 - CHUNK_SHIFT)) throw new RangeError('enclave page table full (2^31 pages)');
      if (c << CHUNK_SHIFT >>> SLAB_SHIFT === this.slabs.length) this.slabs.push(new Int32Array(SLAB_MASK + 1));
      if (c >= this.chunkOwner.length) {
        const grown = new Int32Array(this.chunkOwner.length * 2);
        grown.set(this.chunkOwner);
        this.chunkOwner = grown;
      }
    }
    this.chunkOwner[c] = enclaveId;
    return c;
  }
}
