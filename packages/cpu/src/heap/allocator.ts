/**
 * @file A free-list allocator of byte ranges (no memory of its own): 64-byte aligned blocks, free
 * blocks binned by size class (powers of two) and coalesced with their neighbours, so a block freed
 * is reused by the next request of its size (its pages are already in memory). A request looks at a
 * bounded number of blocks per class, so its cost does not grow with fragmentation.
 */

/** Every block starts at, and spans, a multiple of this many bytes (a cache line). */
export const BLOCK_ALIGN = 64;

/** Size classes: class c holds free blocks of [2^c, 2^(c+1)) bytes. */
const CLASSES = 48;

/** floor(log2(bytes)), capped at the last class (exact for every block size: multiples of 64 below 2^53). */
const classOf = (bytes: number): number =>
  Math.min(CLASSES - 1, bytes < 2 ** 32 ? 31 - Math.clz32(bytes) : 32 + (31 - Math.clz32(Math.floor(bytes / 2 ** 32))));

/** Free blocks of one size class looked at for a fit before the search moves to the next class. */
const SCAN_PER_CLASS = 16;

const roundUp = (bytes: number): number => Math.max(BLOCK_ALIGN, Math.ceil(bytes / BLOCK_ALIGN) * BLOCK_ALIGN);

export class Allocator {
  /** Free blocks by start offset: their size. */
  private readonly freeAt = new Map<number, number>();
  /** Free blocks by end offset: their start. */
  private readonly freeEndingAt = new Map<number, number>();
  /** Start offsets of free blocks, by size class. */
  private readonly bins: Set<number>[] = Array.from({ length: CLASSES }, () => new Set<number>());
  /** Bit c set when bin c holds a block (classes 0–31 in `low`, the rest in `high`). */
  private low = 0;
  private high = 0;
  /** Allocated blocks by start offset: their size. */
  private readonly used = new Map<number, number>();
  /** The end of the highest block ever handed out (the memory must hold at least this many bytes). */
  private topOffset: number;
  private liveBytes = 0;

  /** Hands out offsets from `base` on (the bytes below are not the allocator's). */
  constructor(base: number) {
    this.topOffset = roundUp(base);
  }

  /** Bytes in blocks allocated and not yet freed. */
  get live(): number {
    return this.liveBytes;
  }

  /** The end of the highest block in use or free: the memory must be at least this large. */
  get top(): number {
    return this.topOffset;
  }

  /** Bytes a request of `bytes` takes (its size rounded up to the alignment). */
  static blockBytes(bytes: number): number {
    return roundUp(bytes);
  }

  /** The offset of a new block of at least `bytes` bytes: a free one reused (best of the first fits) or one past the top. */
  allocate(bytes: number): number {
    const size = roundUp(bytes);
    const at = this.takeFree(size);
    const offset = at ?? this.topOffset;
    if (at === undefined) this.topOffset += size;
    this.used.set(offset, size);
    this.liveBytes += size;
    return offset;
  }

  /** Frees the block at `offset` (an error if none is allocated there), merging it with free neighbours. */
  free(offset: number): void {
    const size = this.used.get(offset);
    if (size === undefined) throw new RangeError(`no block is allocated at ${offset}`);
    this.used.delete(offset);
    this.liveBytes -= size;
    let start = offset;
    let end = offset + size;
    const before = this.freeEndingAt.get(start);
    if (before !== undefined) {
      this.unlinkFree(before);
      start = before;
    }
    const afterSize = this.freeAt.get(end);
    if (afterSize !== undefined) {
      this.unlinkFree(end);
      end += afterSize;
    }
    if (end === this.topOffset) this.topOffset = start;
    else this.linkFree(start, end - start);
  }

  /** Whether a block is allocated at `offset`. */
  owns(offset: number): boolean {
    return this.used.has(offset);
  }

  /**
   * The free block that fits `size` (split, the rest kept free), or undefined: the best fit among
   * the first `SCAN_PER_CLASS` blocks of each class from `size`'s own up, so that a class holding
   * many blocks (a fragmented memory) costs no more to search than one holding a few.
   */
  private takeFree(size: number): number | undefined {
    for (let c = this.nextBin(classOf(size)); c < CLASSES; c = this.nextBin(c + 1)) {
      const bin = this.bins[c] as Set<number>;
      let best: number | undefined;
      let bestSize = Infinity;
      let seen = 0;
      for (const start of bin) {
        const have = this.freeAt.get(start) as number;
        if (have >= size && have < bestSize) {
          [best, bestSize] = [start, have];
          if (have === size) break;
        }
        if (++seen === SCAN_PER_CLASS) break;
      }
      if (best === undefined) continue;
      this.unlinkFree(best);
      if (bestSize > size) this.linkFree(best + size, bestSize - size);
      return best;
    }
    return undefined;
  }

  /** The first size class from `c` on whose bin holds a block (`CLASSES` when none does). */
  private nextBin(c: number): number {
    if (c < 32) {
      const bits = this.low & (~0 << c);
      if (bits !== 0) return 31 - Math.clz32(bits & -bits);
      c = 32;
    }
    if (c >= CLASSES) return CLASSES;
    const bits = this.high & (~0 << (c - 32));
    return bits === 0 ? CLASSES : 63 - Math.clz32(bits & -bits);
  }

  private setBin(c: number, nonEmpty: boolean): void {
    const bit = 1 << (c % 32);
    if (c < 32) this.low = nonEmpty ? this.low | bit : this.low & ~bit;
    else this.high = nonEmpty ? this.high | bit : this.high & ~bit;
  }

  private linkFree(start: number, size: number): void {
    this.freeAt.set(start, size);
    this.freeEndingAt.set(start + size, start);
    const c = classOf(size);
    (this.bins[c] as Set<number>).add(start);
    this.setBin(c, true);
  }

  private unlinkFree(start: number): void {
    const size = this.freeAt.get(start) as number;
    this.freeAt.delete(start);
    this.freeEndingAt.delete(start + size);
    const c = classOf(size);
    const bin = this.bins[c] as Set<number>;
    bin.delete(start);
    if (bin.size === 0) this.setBin(c, false);
  }
}
