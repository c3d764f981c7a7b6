/**
 * File names are bytes to git and to the file system, and need not be UTF-8. JavaScript strings
 * are UTF-16, and Node's UTF-8 decoder turns every invalid byte into U+FFFD, so two names that
 * differ only in such bytes would become one. This codec is Python's "surrogateescape": valid
 * UTF-8 decodes as usual, and each byte that is not part of valid UTF-8 becomes the lone
 * surrogate U+DC80+byte (0x80–0xFF), which valid UTF-8 can never produce. `encodePath` gives the
 * exact bytes back, wherever a path goes to git or the file system.
 *
 * Node turns a lone surrogate into U+FFFD in argv, environment and file-system calls, so such a
 * path must travel as bytes: on stdin, in a Buffer, or through `--pathspec-from-file`.
 */
import { isUtf8 } from 'node:buffer';

const LOW = 0xdc00;

/** Bytes → string, losslessly (invalid UTF-8 bytes become U+DC80–U+DCFF). */
export function decodePath(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n === 0) {
      out += String.fromCharCode(LOW + bytes[i]!);
      i += 1;
    } else {
      out += Buffer.from(bytes.subarray(i, i + n)).toString('utf8');
      i += n;
    }
  }
  return out;
}

/** The length of the valid UTF-8 sequence at `i`, or 0 (RFC 3629: no overlongs, no surrogates). */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** Whether a decoded path holds bytes that are not UTF-8 (and so cannot go through argv). */
export function hasRawBytes(path: string): boolean {
  if (!/[\udc80-\udcff]/.test(path)) return false;
  for (let i = 0; i < path.length; i += 1) if (rawByteAt(path, i) !== null) return true;
  return false;
}

/** The byte a lone U+DC80–U+DCFF at `i` stands for, or null. */
export function rawByteAt(s: string, i: number): number | null {
  const u = s.charCodeAt(i);
  if (u < 0xdc80 || u > 0xdcff) return null;
  const before = i > 0 ? s.charCodeAt(i - 1) : 0;
  return before >= 0xd800 && before <= 0xdbff ? null : u - LOW; // a high surrogate before it: a real pair
}

/** String → the exact bytes decodePath read. */
export function encodePath(path: string): Buffer {
  if (!/[\udc80-\udcff]/.test(path)) return Buffer.from(path, 'utf8');
  const parts: Buffer[] = [];
  let run = '';
  for (let i = 0; i < path.length; i += 1) {
    const byte = rawByteAt(path, i);
    if (byte === null) {
      run += path[i];
      continue;
    }
    if (run) parts.push(Buffer.from(run, 'utf8'));
    run = '';
    parts.push(Buffer.from([byte]));
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** Each character of a decoded path with its bytes: for quoting byte by byte. */
export function* pathChars(path: string): Generator<{ ch: string; bytes: Buffer }> {
  for (let i = 0; i < path.length; i += 1) {
    const byte = rawByteAt(path, i);
    if (byte !== null) {
      yield { ch: path[i]!, bytes: Buffer.from([byte]) };
      continue;
    }
    const cp = path.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (ch.length === 2) i += 1;
    yield { ch, bytes: Buffer.from(ch, 'utf8') };
  }
}
