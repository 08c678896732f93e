export type FaqAction = 'answer' | 'handoff' | 'end';

/** Requests that steer the call itself rather than ask a question of the FAQ. */
export type SystemIntent = 'operator' | 'repeat' | 'yes' | 'no' | 'goodbye' | 'callback';

export interface Alternative {
  intent: string;
  confidence: number;
  /** The FAQ's canonical question: what the bot reads out when it asks the caller to choose. */
  question?: string;
}

export interface Slots {
  yesNo?: 'yes' | 'no';
  /** Digits spoken or typed, e.g. a phone number or tracking code, normalised to ASCII digits. */
  digits?: string;
  number?: number;
  /** Jalali date as y-m-d when the caller said one. */
  date?: { year?: number; month: number; day: number };
  time?: { hour: number; minute: number };
  /** 1-based menu choice ("گزینه دو", "دومی"). */
  choice?: number;
}

export interface NluResult {
  /** Matched FAQ id, or null when the request is rejected as out of scope / not confident. */
  intent: string | null;
  confidence: number;
  action: FaqAction | null;
  answer: string | null;
  /** Human queue for hand-offs (from the FAQ), when the FAQ names one. */
  queue: string | null;
  alternatives: Alternative[];
  slots: Slots;
  system: SystemIntent | null;
  /** Knowledge-base version that produced this result. */
  kbVersion: number;
}

export interface ParseContext {
  /** Menu choices currently offered to the caller (FAQ ids), to resolve "the second one". */
  choices?: readonly string[];
  /** The text is the recogniser's reading of a caller's speech, not typed: its own threshold applies. */
  spoken?: boolean;
}

export interface NluEngine {
  readonly name: string;
  parse(text: string, context?: ParseContext): NluResult;
  /** Accept threshold chosen on held-out data; below it `intent` is null. */
  readonly threshold: number;
  /** How the thresholds were fitted to this knowledge base, and what the held-out lines showed. */
  readonly fit?: import('./fit.js').KbFit;
  /** Vocabulary of the live knowledge base, for ASR hotword biasing. */
  vocabulary(): readonly string[];
}

/** Hands out the NLU for the live knowledge-base version; swapped atomically on import. */
export interface NluProvider {
  current(): NluEngine;
}
