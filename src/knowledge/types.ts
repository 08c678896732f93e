import type { FaqAction } from '../engines/nlu/types.js';

export interface Faq {
  id: string;
  question: string;
  answer: string;
  action: FaqAction;
  /** Human queue for hand-offs; null = the default queue. */
  queue: string | null;
  examples: string[];
  tags: string[];
  /**
   * Keypad menu place (see src/dialog/menu.ts): «topic» or «topic / option wording»; «-» = not in the
   * menu; null or absent = topic from the first tag, wording from the question.
   */
  menu?: string | null;
  enabled: boolean;
}

/** One immutable version of the knowledge base. A turn reads one snapshot from start to end. */
export interface KbSnapshot {
  version: number;
  faqs: readonly Faq[];
}

export interface KnowledgeBase {
  current(): KbSnapshot;
  /** Called after every import, edit or rollback has gone live. Returns an unsubscribe function. */
  onChange(listener: (snapshot: KbSnapshot) => void): () => void;
}
