/**
 * CRC-32 (IEEE 802.3, polynomial 0xEDB88320, the zlib/PNG one) over the UTF-8 bytes of a string,
 * returned as a signed 32-bit integer — the form OKX and Bitfinex put in their book checksums.
 * Table-driven and pure; equals zlib.crc32 (Node ≥ 20.15) reinterpreted as int32.
 */
const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

const encoder = new TextEncoder();

export function crc32Signed(text: string): number {
  let crc = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      crc = TABLE[(crc ^ code) & 0xff] ^ (crc >>> 8);
    } else {
      // Rare in book checksums (digits, '.', ':', '-'): fall back to a proper UTF-8 encoding.
      for (const b of encoder.encode(text.slice(i))) crc = TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
      break;
    }
  }
  return (crc ^ -1) | 0;
}
