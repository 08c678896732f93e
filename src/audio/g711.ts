/**
 * ITU-T G.711 μ-law (PCMU) and A-law (PCMA), plus L16 helpers.
 *
 * Encoding and decoding are table look-ups built once at load time from the reference algorithm
 * (ITU-T G.191's μ-law compressor; Sun's public-domain g711.c for A-law and the decoders): 64 Ki-entry encode tables
 * indexed by the 16-bit sample, 256-entry decode tables. A call at 8 kHz touches 8000 bytes a second,
 * so the tables cost nothing next to the 128 KiB they occupy.
 */

const ULAW_BIAS = 0x84;
const SEG_UEND = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segment(value: number, ends: readonly number[]): number {
  for (let i = 0; i < ends.length; i++) if (value <= ends[i]) return i;
  return ends.length;
}

function linearToUlawRef(sample: number): number {
  // ITU-T G.191 ulaw_compress: negative values use the ones' complement, so -1 and 0 are the
  // two zero codes (0x7f, 0xff) and the quantiser is symmetric.
  let absno = (sample < 0 ? ~sample >> 2 : sample >> 2) + (ULAW_BIAS >> 2);
  if (absno > 0x1fff) absno = 0x1fff;
  const seg = segment(absno, SEG_UEND);
  const code = ((seg << 4) | ((absno >> (seg + 1)) & 0xf)) ^ 0x7f;
  return sample >= 0 ? code | 0x80 : code;
}

function ulawToLinearRef(byte: number): number {
  const u = ~byte & 0xff;
  let t = ((u & 0x0f) << 3) + ULAW_BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

function linearToAlawRef(sample: number): number {
  let v = sample >> 3;
  let mask: number;
  if (v >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    v = -v - 1;
  }
  const seg = segment(v, SEG_AEND);
  if (seg >= 8) return 0x7f ^ mask;
  let a = seg << 4;
  a |= seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
  return (a ^ mask) & 0xff;
}

function alawToLinearRef(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

const ULAW_ENC = new Uint8Array(65536);
const ALAW_ENC = new Uint8Array(65536);
const ULAW_DEC = new Int16Array(256);
const ALAW_DEC = new Int16Array(256);
for (let s = -32768; s < 32768; s++) {
  ULAW_ENC[s & 0xffff] = linearToUlawRef(s);
  ALAW_ENC[s & 0xffff] = linearToAlawRef(s);
}
for (let b = 0; b < 256; b++) {
  ULAW_DEC[b] = ulawToLinearRef(b);
  ALAW_DEC[b] = alawToLinearRef(b);
}

/** μ-law byte of silence (what a quiet line carries). */
export const ULAW_SILENCE = 0xff;
/** A-law byte of silence. */
export const ALAW_SILENCE = 0xd5;

export function ulawEncodeSample(sample: number): number {
  return ULAW_ENC[sample & 0xffff];
}
export function ulawDecodeSample(byte: number): number {
  return ULAW_DEC[byte & 0xff];
}
export function alawEncodeSample(sample: number): number {
  return ALAW_ENC[sample & 0xffff];
}
export function alawDecodeSample(byte: number): number {
  return ALAW_DEC[byte & 0xff];
}

export function ulawEncode(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = ULAW_ENC[pcm[i] & 0xffff];
  return out;
}
export function ulawDecode(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = ULAW_DEC[bytes[i]];
  return out;
}
export function alawEncode(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = ALAW_ENC[pcm[i] & 0xffff];
  return out;
}
export function alawDecode(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = ALAW_DEC[bytes[i]];
  return out;
}

/**
 * L16 as Asterisk's `slin`/`slin16` and AudioSocket carry it: signed 16-bit **little-endian**.
 * (RTP's L16 payload of RFC 3551 is big-endian; use `l16beEncode`/`l16beDecode` for that.)
 * A trailing odd byte cannot be a sample and is ignored.
 */
export function l16Encode(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i], true);
  return out;
}
export function l16Decode(bytes: Uint8Array): Int16Array {
  const n = bytes.length >> 1;
  const out = new Int16Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}
export function l16beEncode(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i], false);
  return out;
}
export function l16beDecode(bytes: Uint8Array): Int16Array {
  const n = bytes.length >> 1;
  const out = new Int16Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, false);
  return out;
}

/** The line codecs the adapters speak. `l16` is little-endian (see `l16Encode`). */
export type LineCodec = 'pcmu' | 'pcma' | 'l16';

/** Bytes one sample takes on the wire. */
export function bytesPerSample(codec: LineCodec): number {
  return codec === 'l16' ? 2 : 1;
}

export function encodeLine(codec: LineCodec, pcm: Int16Array): Uint8Array {
  switch (codec) {
    case 'pcmu':
      return ulawEncode(pcm);
    case 'pcma':
      return alawEncode(pcm);
    case 'l16':
      return l16Encode(pcm);
  }
}

export function decodeLine(codec: LineCodec, bytes: Uint8Array): Int16Array {
  switch (codec) {
    case 'pcmu':
      return ulawDecode(bytes);
    case 'pcma':
      return alawDecode(bytes);
    case 'l16':
      return l16Decode(bytes);
  }
}

/** The byte a silent sample encodes to, for padding the last frame of a playback. */
export function silenceByte(codec: LineCodec): number {
  return codec === 'pcmu' ? ULAW_SILENCE : codec === 'pcma' ? ALAW_SILENCE : 0;
}
