/**
 * @file A small WebAssembly binary encoder: modules with an imported shared memory (32- or 64-bit
 * addresses) and imported functions, and function bodies written as WAT mnemonics
 * (`f.op('f32x4.add')`), SIMD included.
 */

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

/** The address width of a memory: 32 (at most 4 GiB) or 64 (memory64). */
export type AddressWidth = 32 | 64;

/** The shared memory a module imports: its address width and its maximum in 64 KiB pages. */
export interface MemoryType {
  readonly address: AddressWidth;
  readonly maxPages: number;
}

/**
 * The type of a parameter holding a buffer's byte address: i32, or in a 64-bit memory f64 (a
 * JavaScript number, exact below 2⁵³, so calls pass no BigInt), turned into an i64 on entry.
 */
export const addressParam = (address: AddressWidth): ValType => (address === 32 ? 'i32' : 'f64');

/** The type of a local holding an address. */
export const pointerType = (address: AddressWidth): ValType => (address === 32 ? 'i32' : 'i64');

const valTypeCode: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** How an instruction's immediates are encoded. */
type Imm = 'none' | 'u32' | 'i32' | 'f32' | 'f64' | 'mem' | 'lane' | 'block' | 'v128';

/** Mnemonic → [prefix (0 for none), opcode, immediate kind]. */
const ops: Record<string, readonly [number, number, Imm]> = {
  // control
  block: [0, 0x02, 'block'],
  loop: [0, 0x03, 'block'],
  if: [0, 0x04, 'block'],
  else: [0, 0x05, 'none'],
  end: [0, 0x0b, 'none'],
  br: [0, 0x0c, 'u32'],
  br_if: [0, 0x0d, 'u32'],
  return: [0, 0x0f, 'none'],
  call: [0, 0x10, 'u32'],
  drop: [0, 0x1a, 'none'],
  select: [0, 0x1b, 'none'],
  'local.get': [0, 0x20, 'u32'],
  'local.set': [0, 0x21, 'u32'],
  'local.tee': [0, 0x22, 'u32'],
  // memory
  'i32.load': [0, 0x28, 'mem'],
  'f32.load': [0, 0x2a, 'mem'],
  'f64.load': [0, 0x2b, 'mem'],
  'i32.load8_u': [0, 0x2d, 'mem'],
  'i32.store': [0, 0x36, 'mem'],
  'f32.store': [0, 0x38, 'mem'],
  'f64.store': [0, 0x39, 'mem'],
  'i32.store8': [0, 0x3a, 'mem'],
  // constants
  'i32.const': [0, 0x41, 'i32'],
  'f32.const': [0, 0x43, 'f32'],
  'f64.const': [0, 0x44, 'f64'],
  // i32
  'i32.eqz': [0, 0x45, 'none'],
  'i32.eq': [0, 0x46, 'none'],
  'i32.ne': [0, 0x47, 'none'],
  'i32.lt_s': [0, 0x48, 'none'],
  'i32.lt_u': [0, 0x49, 'none'],
  'i32.gt_s': [0, 0x4a, 'none'],
  'i32.le_s': [0, 0x4c, 'none'],
  'i32.ge_s': [0, 0x4e, 'none'],
  'i32.add': [0, 0x6a, 'none'],
  'i32.sub': [0, 0x6b, 'none'],
  'i32.mul': [0, 0x6c, 'none'],
  'i32.div_s': [0, 0x6d, 'none'],
  'i32.rem_s': [0, 0x6f, 'none'],
  'i32.and': [0, 0x71, 'none'],
  'i32.or': [0, 0x72, 'none'],
  'i32.shl': [0, 0x74, 'none'],
  'i32.shr_s': [0, 0x75, 'none'],
  // i64
  'i64.add': [0, 0x7c, 'none'],
  // f64
  'f64.eq': [0, 0x61, 'none'],
  'f64.ne': [0, 0x62, 'none'],
  'f64.lt': [0, 0x63, 'none'],
  'f64.gt': [0, 0x64, 'none'],
  'f64.le': [0, 0x65, 'none'],
  'f64.abs': [0, 0x99, 'none'],
  'f64.neg': [0, 0x9a, 'none'],
  'f64.ceil': [0, 0x9b, 'none'],
  'f64.floor': [0, 0x9c, 'none'],
  'f64.sqrt': [0, 0x9f, 'none'],
  'f32.add': [0, 0x92, 'none'],
  'f64.add': [0, 0xa0, 'none'],
  'f64.sub': [0, 0xa1, 'none'],
  'f64.mul': [0, 0xa2, 'none'],
  'f64.convert_i32_u': [0, 0xb8, 'none'],
  'f64.div': [0, 0xa3, 'none'],
  'f64.min': [0, 0xa4, 'none'],
  'f64.max': [0, 0xa5, 'none'],
  // conversions
  'f32.demote_f64': [0, 0xb6, 'none'],
  'i64.extend_i32_u': [0, 0xad, 'none'],
  'f64.convert_i32_s': [0, 0xb7, 'none'],
  'f64.promote_f32': [0, 0xbb, 'none'],
  'i32.trunc_sat_f64_s': [0xfc, 0x02, 'none'],
  'i64.trunc_sat_f64_s': [0xfc, 0x06, 'none'],
  // SIMD
  'v128.load': [0xfd, 0x00, 'mem'],
  'v128.load32_splat': [0xfd, 0x09, 'mem'],
  'v128.store': [0xfd, 0x0b, 'mem'],
  'v128.const': [0xfd, 0x0c, 'v128'],
  'i8x16.shuffle': [0xfd, 0x0d, 'v128'],
  'i32x4.splat': [0xfd, 0x11, 'none'],
  'f32x4.splat': [0xfd, 0x13, 'none'],
  'f64x2.splat': [0xfd, 0x14, 'none'],
  'i32x4.extract_lane': [0xfd, 0x1b, 'lane'],
  'f32x4.extract_lane': [0xfd, 0x1f, 'lane'],
  'f32x4.replace_lane': [0xfd, 0x20, 'lane'],
  'f64x2.extract_lane': [0xfd, 0x21, 'lane'],
  'i32x4.eq': [0xfd, 0x37, 'none'],
  'i32x4.ne': [0xfd, 0x38, 'none'],
  'i32x4.lt_s': [0xfd, 0x39, 'none'],
  'i32x4.le_s': [0xfd, 0x3d, 'none'],
  'f32x4.eq': [0xfd, 0x41, 'none'],
  'f32x4.ne': [0xfd, 0x42, 'none'],
  'f32x4.lt': [0xfd, 0x43, 'none'],
  'f32x4.gt': [0xfd, 0x44, 'none'],
  'f32x4.le': [0xfd, 0x45, 'none'],
  'v128.not': [0xfd, 0x4d, 'none'],
  'v128.and': [0xfd, 0x4e, 'none'],
  'v128.andnot': [0xfd, 0x4f, 'none'],
  'v128.or': [0xfd, 0x50, 'none'],
  'v128.xor': [0xfd, 0x51, 'none'],
  'v128.bitselect': [0xfd, 0x52, 'none'],
  'v128.any_true': [0xfd, 0x53, 'none'],
  'f64x2.promote_low_f32x4': [0xfd, 0x5f, 'none'],
  'f32x4.ceil': [0xfd, 0x67, 'none'],
  'f32x4.floor': [0xfd, 0x68, 'none'],
  'f32x4.nearest': [0xfd, 0x6a, 'none'],
  'i32x4.abs': [0xfd, 0xa0, 'none'],
  'i32x4.neg': [0xfd, 0xa1, 'none'],
  'i32x4.shl': [0xfd, 0xab, 'none'],
  'i32x4.shr_s': [0xfd, 0xac, 'none'],
  'i32x4.add': [0xfd, 0xae, 'none'],
  'i32x4.sub': [0xfd, 0xb1, 'none'],
  'i32x4.mul': [0xfd, 0xb5, 'none'],
  'i32x4.min_s': [0xfd, 0xb6, 'none'],
  'i32x4.max_s': [0xfd, 0xb8, 'none'],
  'f32x4.abs': [0xfd, 0xe0, 'none'],
  'f32x4.neg': [0xfd, 0xe1, 'none'],
  'f32x4.sqrt': [0xfd, 0xe3, 'none'],
  'f32x4.add': [0xfd, 0xe4, 'none'],
  'f32x4.sub': [0xfd, 0xe5, 'none'],
  'f32x4.mul': [0xfd, 0xe6, 'none'],
  'f32x4.div': [0xfd, 0xe7, 'none'],
  'f32x4.min': [0xfd, 0xe8, 'none'],
  'f32x4.max': [0xfd, 0xe9, 'none'],
  'f32x4.pmin': [0xfd, 0xea, 'none'],
  'f32x4.pmax': [0xfd, 0xeb, 'none'],
  'f64x2.add': [0xfd, 0xf0, 'none'],
  'f64x2.mul': [0xfd, 0xf2, 'none'],
  'i32x4.trunc_sat_f32x4_s': [0xfd, 0xf8, 'none'],
  'f32x4.convert_i32x4_s': [0xfd, 0xfa, 'none'],
  // relaxed SIMD (a·b + c and −(a·b) + c, fused or not: see features.ts)
  'f32x4.relaxed_madd': [0xfd, 0x105, 'none'],
  'f32x4.relaxed_nmadd': [0xfd, 0x106, 'none'],
  // max of lanes as the hardware computes it (maxps): NaN and ±0 operands give either one
  'f32x4.relaxed_max': [0xfd, 0x10e, 'none'],
};

export type Mnemonic = keyof typeof ops;

function uleb(out: number[], v: number): void {
  let n = v >>> 0;
  do {
    const byte = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? byte : byte | 0x80);
  } while (n !== 0);
}

function sleb(out: number[], v: number): void {
  let n = v | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

const scratch = new DataView(new ArrayBuffer(8));

/**
 * The body of one function: instructions appended in order, locals declared as needed. Its loads
 * and stores address a memory of `address` bits: addresses are pointers (`pointerType`), a buffer's
 * address plus an unsigned i32 byte offset within it (`offsetPointer`).
 */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];
  /** Code run once on entry, before `code`: it sets the v128 constants' locals and the pointers of address parameters. */
  private readonly prologue: number[] = [];
  private readonly constants = new Map<string, number>();

  constructor(
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
    readonly address: AddressWidth,
  ) {}

  /**
   * The pointer local of each address parameter (`addressParam`): the parameter itself, or an i64 set
   * from it on entry, as a signed value (a row chain may pass a base below its buffer, to which the
   * kernel adds unsigned offsets that bring every address it uses back into the buffer).
   */
  pointers(params: readonly number[]): number[] {
    if (this.address === 32) return [...params];
    return params.map((p) => {
      const pointer = this.local('i64');
      const code = this.code.length;
      this.op('local.get', p).op('i64.trunc_sat_f64_s').op('local.set', pointer);
      this.prologue.push(...this.code.splice(code));
      return pointer;
    });
  }

  /** Pops an i32 byte offset (unsigned) and a pointer below it; pushes the pointer that far on. */
  offsetPointer(): this {
    return this.address === 32 ? this.op('i32.add') : this.op('i64.extend_i32_u').op('i64.add');
  }

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  /**
   * A v128 local holding the constant `bytes`, set once on entry (constants used in a loop then cost
   * a register or a reload, not a rebuild each time round); one local per distinct constant.
   */
  constant(bytes: readonly number[]): number {
    const key = bytes.join(',');
    let local = this.constants.get(key);
    if (local === undefined) {
      local = this.local('v128');
      this.constants.set(key, local);
      const code = this.code.length;
      this.op('v128.const', ...bytes).op('local.set', local);
      this.prologue.push(...this.code.splice(code));
    }
    return local;
  }

  /** Pushes the v128 constant `bytes` (its local from `constant`). */
  pushConstant(bytes: readonly number[]): this {
    return this.op('local.get', this.constant(bytes));
  }

  /** Appends an instruction. Immediates: u32/i32/f32/f64 numbers, [align, offset] for memory, a lane index, 16 bytes for v128.const. */
  op(name: Mnemonic, ...imm: readonly number[]): this {
    const [prefix, code, kind] = ops[name] as readonly [number, number, Imm];
    if (prefix !== 0) {
      this.code.push(prefix);
      uleb(this.code, code);
    } else this.code.push(code);
    switch (kind) {
      case 'none':
        break;
      case 'u32':
        uleb(this.code, imm[0] ?? 0);
        break;
      case 'i32':
        sleb(this.code, imm[0] ?? 0);
        break;
      case 'f32':
        scratch.setFloat32(0, imm[0] ?? 0, true);
        for (let i = 0; i < 4; i++) this.code.push(scratch.getUint8(i));
        break;
      case 'f64':
        scratch.setFloat64(0, imm[0] ?? 0, true);
        for (let i = 0; i < 8; i++) this.code.push(scratch.getUint8(i));
        break;
      case 'mem':
        uleb(this.code, imm[0] ?? 0);
        uleb(this.code, imm[1] ?? 0);
        break;
      case 'lane':
        this.code.push(imm[0] ?? 0);
        break;
      case 'block':
        this.code.push(imm[0] ?? 0x40);
        break;
      case 'v128':
        for (let i = 0; i < 16; i++) this.code.push(imm[i] ?? 0);
        break;
    }
    return this;
  }

  /** The encoded body (local declarations, instructions, final `end`). */
  encode(): number[] {
    const out: number[] = [];
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(out, groups.length);
    for (const [n, t] of groups) {
      uleb(out, n);
      out.push(valTypeCode[t]);
    }
    out.push(...this.prologue, ...this.code, 0x0b);
    return out;
  }
}

function section(out: number[], id: number, content: number[]): void {
  out.push(id);
  uleb(out, content.length);
  out.push(...content);
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  out.push(...bytes);
}

function funcType(out: number[], params: readonly ValType[], results: readonly ValType[]): void {
  out.push(0x60);
  uleb(out, params.length);
  for (const p of params) out.push(valTypeCode[p]);
  uleb(out, results.length);
  for (const r of results) out.push(valTypeCode[r]);
}

/** Limits flags of the memory import: shared with a maximum (0x03), and 64-bit addresses (0x04). */
const memoryFlags: { readonly [A in AddressWidth]: number } = { 32: 0x03, 64: 0x07 };

/** A module importing `env.memory` (shared, of type `memory`) and the given functions, exporting its own functions. */
export class ModuleBuilder {
  private readonly imports: {
    readonly name: string;
    readonly params: readonly ValType[];
    readonly results: readonly ValType[];
  }[] = [];
  private readonly functions: { readonly name: string; readonly body: FunctionBuilder }[] = [];

  constructor(readonly memory: MemoryType) {}

  /** Declares an imported function `env.<name>`; returns its function index. Call before adding functions. */
  importFunction(fnName: string, params: readonly ValType[], results: readonly ValType[]): number {
    this.imports.push({ name: fnName, params, results });
    return this.imports.length - 1;
  }

  /** Adds an exported function; returns its function index. */
  addFunction(fnName: string, body: FunctionBuilder): number {
    this.functions.push({ name: fnName, body });
    return this.imports.length + this.functions.length - 1;
  }

  toBytes(): Uint8Array {
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const types: number[] = [];
    uleb(types, this.imports.length + this.functions.length);
    for (const i of this.imports) funcType(types, i.params, i.results);
    for (const f of this.functions) funcType(types, f.body.params, f.body.results);
    section(out, 1, types);
    const imports: number[] = [];
    uleb(imports, this.imports.length + 1);
    name(imports, 'env');
    name(imports, 'memory');
    imports.push(0x02, memoryFlags[this.memory.address]);
    uleb(imports, 1);
    uleb(imports, this.memory.maxPages);
    this.imports.forEach((imp, i) => {
      name(imports, 'env');
      name(imports, imp.name);
      imports.push(0x00);
      uleb(imports, i);
    });
    section(out, 2, imports);
    const funcs: number[] = [];
    uleb(funcs, this.functions.length);
    this.functions.forEach((_, i) => {
      uleb(funcs, this.imports.length + i);
    });
    section(out, 3, funcs);
    const exports: number[] = [];
    uleb(exports, this.functions.length);
    this.functions.forEach((f, i) => {
      name(exports, f.name);
      exports.push(0x00);
      uleb(exports, this.imports.length + i);
    });
    section(out, 7, exports);
    const code: number[] = [];
    uleb(code, this.functions.length);
    for (const f of this.functions) {
      const body = f.body.encode();
      uleb(code, body.length);
      code.push(...body);
    }
    section(out, 10, code);
    return Uint8Array.from(out);
  }
}
