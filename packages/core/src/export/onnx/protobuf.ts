/** @file A minimal protocol-buffers writer (wire format only): varints, 32-bit floats, length-delimited fields and packed varints. */

/** Protobuf wire types: how a field's payload is framed. */
const Wire = { Varint: 0, Delimited: 2, Fixed32: 5 } as const;

const TWO_64 = 1n << 64n;

/** The base-128 varint of an integer: negatives as 64-bit two's complement (ten bytes), as int64 fields encode them. */
export function varintBytes(value: number | bigint): number[] {
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw new RangeError(`a protobuf varint needs an integer, got ${value}`);
  let v = BigInt(value);
  if (v < -(1n << 63n) || v >= TWO_64) throw new RangeError(`${v} does not fit in 64 bits`);
  if (v < 0n) v += TWO_64;
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? low : low | 0x80);
  } while (v !== 0n);
  return out;
}

/** A string's UTF-8 bytes (lone surrogates as U+FFFD). */
export function utf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    let c = ch.codePointAt(0) as number;
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** Numbers as little-endian floats of `width` bytes (4: f32, 8: f64), whatever the host's byte order. */
export function littleEndian(values: ArrayLike<number>, width: 4 | 8): Uint8Array {
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (width === 4) view.setFloat32(i * 4, values[i] as number, true);
    else view.setFloat64(i * 8, values[i] as number, true);
  }
  return out;
}

/** One message under construction: fields are appended in call order (callers write them by ascending number). */
export class ProtoMessage {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array | readonly number[]): void {
    const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    this.parts.push(b);
    this.size += b.length;
  }

  private key(field: number, wire: number): void {
    this.push(varintBytes(field * 8 + wire));
  }

  /** An integer field (int32, int64, enum, bool as 0/1). */
  int(field: number, value: number | bigint): this {
    this.key(field, Wire.Varint);
    this.push(varintBytes(value));
    return this;
  }

  /** A float (fixed32, little-endian) field. */
  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.key(field, Wire.Fixed32);
    this.push(b);
    return this;
  }

  /** A bytes field. */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, Wire.Delimited);
    this.push(varintBytes(value.length));
    this.push(value);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, utf8(value));
  }

  /** An embedded message field. */
  message(field: number, value: ProtoMessage): this {
    return this.bytes(field, value.finish());
  }

  /** A repeated integer field, packed (one length-delimited run of varints). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    return this.bytes(field, Uint8Array.from(values.flatMap((v) => varintBytes(v))));
  }

  /** The encoded message. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
