/** Mono 16-bit PCM with its sample rate: the one audio currency inside Pasokh. */
export interface PcmChunk {
  pcm: Int16Array;
  sampleRate: number;
}
