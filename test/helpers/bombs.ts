// Decompression bombs, built without ever holding or compressing the
// expanded bytes: one 1 MiB block of zeros is deflated once and repeated
// (non-final deflate blocks concatenate), so a 3 GiB archive takes a second.
import { writeFileSync } from 'node:fs';
import { constants, crc32, deflateRawSync } from 'node:zlib';

const MiB = 1024 * 1024;
const ZEROS = Buffer.alloc(MiB);
const ZERO_BLOCK = deflateRawSync(ZEROS, { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);

/** Deflate data for `prefix` followed by `mib` MiB of zeros, and its CRC-32. */
function deflatedZeros(mib: number, prefix = Buffer.alloc(0), suffix = Buffer.alloc(0)): { parts: Buffer[]; crc: number; size: number } {
  const parts: Buffer[] = [];
  let crc = 0;
  if (prefix.length) {
    parts.push(deflateRawSync(prefix, { finishFlush: constants.Z_SYNC_FLUSH }));
    crc = crc32(prefix, crc);
  }
  for (let i = 0; i < mib; i++) {
    parts.push(ZERO_BLOCK);
    crc = crc32(ZEROS, crc);
  }
  if (suffix.length) {
    parts.push(deflateRawSync(suffix, { finishFlush: constants.Z_SYNC_FLUSH }));
    crc = crc32(suffix, crc);
  }
  parts.push(FINAL_EMPTY_BLOCK);
  return { parts, crc, size: prefix.length + mib * MiB + suffix.length };
}

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

export interface ZipBombEntry {
  name: string;
  /** MiB of zeros the entry really expands to. */
  mib: number;
  /** The uncompressed size the headers declare (default: the true one, capped at 4 GiB - 1). */
  declared?: number;
}

/**
 * A zip (no zip64) of deflated entries of zeros, modes 0644. Headers may lie
 * about the expanded size (`declared`), as a bomb aimed at readers that trust them would.
 */
export function writeZipBomb(file: string, entries: ZipBombEntry[]): { bytes: number; expanded: number } {
  const out: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  let expanded = 0;
  for (const e of entries) {
    const { parts, crc, size } = deflatedZeros(e.mib);
    const compressed = parts.reduce((n, p) => n + p.length, 0);
    const declared = Math.min(e.declared ?? size, 0xffffffff);
    const name = Buffer.from(e.name);
    const local = Buffer.concat([
      u32(0x04034b50),
      u16(20),
      u16(0),
      u16(8),
      u16(0),
      u16(0x21),
      u32(crc),
      u32(compressed),
      u32(declared),
      u16(name.length),
      u16(0),
      name,
    ]);
    central.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(0x031e),
        u16(20),
        u16(0),
        u16(8),
        u16(0),
        u16(0x21),
        u32(crc),
        u32(compressed),
        u32(declared),
        u16(name.length),
        u16(0),
        u16(0),
        u16(0),
        u16(0),
        u32((0o100644 << 16) >>> 0),
        u32(offset),
        name,
      ]),
    );
    out.push(local, ...parts);
    offset += local.length + compressed;
    expanded += size;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(entries.length), u16(entries.length), u32(cd.length), u32(offset), u16(0)]);
  const all = Buffer.concat([...out, cd, end]);
  writeFileSync(file, all);
  return { bytes: all.length, expanded };
}

/** A ustar header for a regular file. */
function tarHeader(name: string, size: number, mode = 0o644): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** A .tgz holding staging_info.yml and one file of `mib` MiB of zeros. */
export function writeTgzBomb(file: string, mib: number): { bytes: number; expanded: number } {
  const info = Buffer.from('{"detected_buildpack":"","start_command":"sleep 1"}');
  const infoEntry = Buffer.concat([tarHeader('./staging_info.yml', info.length), info, Buffer.alloc(512 - info.length)]);
  const prefix = Buffer.concat([infoEntry, tarHeader('./app/zeros', mib * MiB)]);
  const { parts, crc, size } = deflatedZeros(mib, prefix, Buffer.alloc(1024));
  const gzHeader = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  const all = Buffer.concat([gzHeader, ...parts, u32(crc), u32(size % 2 ** 32)]);
  writeFileSync(file, all);
  return { bytes: all.length, expanded: size };
}

/** A manifest shaped as the billion laughs: each level holds `fan` aliases of the one before. */
export function aliasBomb(levels: number, fan = 9): string {
  const names = 'abcdefghijklmnop';
  let text = `x: &a [${Array(fan).fill('"lol"').join(',')}]\n`;
  for (let i = 1; i < levels; i++)
    text += `${names[i]}: &${names[i]} [${Array(fan)
      .fill(`*${names[i - 1]}`)
      .join(',')}]\n`;
  return `${text}applications:\n- name: bomb\n  env:\n    X: *${names[levels - 1]}\n`;
}
