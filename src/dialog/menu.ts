import { contentTokens } from '../engines/nlu/features.js';
import type { Faq, KbSnapshot } from '../knowledge/types.js';

/**
 * The keypad menu a caller falls back to when speech fails: at most four topics, at most two
 * levels, built from the FAQ. Where it comes from, in order:
 * - the FAQ's `menu` column: «topic» or «topic / option wording»; «-» keeps an FAQ out of the menu;
 * - else the FAQ's first tag as its topic (the option worded from the question);
 * - when no FAQ has either, FAQs are grouped automatically by the words their questions and
 *   examples share, each group named by its most telling word.
 * When any FAQ has a topic, FAQs without one stay out (ops chose the menu). A topic with one FAQ
 * leads straight to its answer; four or fewer FAQs in all make a one-level menu.
 */
export interface MenuOption {
  label: string;
  /** A leaf: the FAQ this key answers. */
  faqId?: string;
  /** A topic: its sub-menu. */
  options?: MenuOption[];
}

export interface Menu {
  options: MenuOption[];
}

export const MAX_MENU_OPTIONS = 4;

/** What one FAQ contributes: its topic (null = none set) and its option wording. */
export function menuEntry(faq: Pick<Faq, 'question' | 'tags' | 'menu'>): { excluded: boolean; topic: string | null; label: string } {
  const raw = faq.menu?.trim() ?? '';
  if (raw === '-') return { excluded: true, topic: null, label: '' };
  const [topicPart, ...rest] = raw.split('/');
  const topic = topicPart?.trim() || faq.tags[0]?.trim() || null;
  const label = rest.join('/').trim() || shortLabel(faq.question);
  return { excluded: false, topic, label };
}

/** An option worded from a question: its first clause, without the question mark, six words at most. */
export function shortLabel(question: string): string {
  const clause = question.split(/[،,؛;.؟?!]/u).map((s) => s.trim()).find(Boolean) ?? question.trim();
  return clause.split(/\s+/).slice(0, 6).join(' ');
}

export function buildMenu(faqs: readonly Faq[], max = MAX_MENU_OPTIONS): Menu | null {
  const usable = faqs.filter((f) => f.enabled && f.action !== 'end');
  const entries = usable.map((faq) => ({ faq, ...menuEntry(faq) })).filter((e) => !e.excluded);
  if (entries.length === 0) return null;
  const leaf = (e: (typeof entries)[number], label = e.label): MenuOption => ({ label, faqId: e.faq.id });

  let groups: { label: string; members: typeof entries }[];
  if (entries.some((e) => e.topic)) {
    const byTopic = new Map<string, typeof entries>();
    for (const e of entries) {
      if (!e.topic) continue;
      if (!byTopic.has(e.topic)) byTopic.set(e.topic, []);
      byTopic.get(e.topic)!.push(e);
    }
    groups = [...byTopic].map(([label, members]) => ({ label, members }));
  } else if (entries.length <= max) {
    return { options: entries.map((e) => leaf(e)) };
  } else {
    groups = autoGroups(entries, max);
  }
  groups = groups.slice(0, max);
  if (groups.reduce((n, g) => n + g.members.length, 0) <= max && groups.length > 0) {
    return { options: groups.flatMap((g) => g.members.map((e) => leaf(e))) };
  }
  return {
    options: groups.map((g) =>
      g.members.length === 1 ? leaf(g.members[0], g.label) : { label: g.label, options: g.members.slice(0, max).map((e) => leaf(e)) },
    ),
  };
}

const cache = new WeakMap<KbSnapshot, Menu | null>();

/** The menu of a knowledge-base version, built once per version. */
export function menuFor(snapshot: KbSnapshot): Menu | null {
  if (!cache.has(snapshot)) cache.set(snapshot, buildMenu(snapshot.faqs));
  return cache.get(snapshot)!;
}

/** The options at a place in the menu ([] = top, [i] = topic i's sub-menu); null when there is none. */
export function menuLevel(menu: Menu, path: readonly number[]): MenuOption[] | null {
  let options = menu.options;
  for (const i of path) {
    const next = options[i]?.options;
    if (!next) return null;
    options = next;
  }
  return options;
}

const KEY_NAMES = ['یک', 'دو', 'سه', 'چهار'];

/** What the bot says to offer a menu level; the way to a human is always said. */
export function menuPrompt(options: readonly MenuOption[], top: boolean, invalid = false): string {
  const lead = invalid
    ? 'این گزینه در فهرست نبود.'
    : top
      ? 'می‌توانم با صفحه‌کلید راهنمایی‌تان کنم.'
      : '';
  const items = options.map((o, i) => `برای ${o.label} کلید ${KEY_NAMES[i]}`).join('، ');
  const back = top ? '' : ' برای بازگشت به فهرست اصلی کلید ستاره؛';
  return `${lead ? `${lead} ` : ''}${items}؛${back} و برای صحبت با همکارانم کلید صفر را بزنید. می‌توانید پرسشتان را هم بگویید.`;
}

/**
 * Automatic topics for an FAQ without tags: FAQs are joined greedily, most similar first (average
 * cosine of the content words of question and examples), into groups of at most `max`; when more
 * than `max` groups are left, the largest are kept (the rest stay reachable by voice and by 0).
 * Each group is named by the word its FAQs' phrasings use most and the other FAQs' least.
 */
function autoGroups<T extends { faq: Faq; label: string }>(entries: T[], max: number): { label: string; members: T[] }[] {
  const phrasings = entries.map((e) => [e.faq.question, ...e.faq.examples.slice(0, 40)]);
  const bags = phrasings.map(stemBag);
  const clusters: number[][] = entries.map((_, i) => [i]);
  const sim = (a: number[], b: number[]) => {
    let s = 0;
    for (const i of a) for (const j of b) s += cosine(bags[i], bags[j]);
    return s / (a.length * b.length);
  };
  while (clusters.length > max) {
    let best: [number, number] | null = null;
    let bestSim = 0;
    for (let a = 0; a < clusters.length; a++) {
      for (let b = a + 1; b < clusters.length; b++) {
        if (clusters[a].length + clusters[b].length > max) continue;
        const s = sim(clusters[a], clusters[b]);
        if (s > bestSim) [bestSim, best] = [s, [a, b]];
      }
    }
    if (!best) break;
    const [a, b] = best;
    clusters[a] = [...clusters[a], ...clusters[b]].sort((x, y) => x - y);
    clusters.splice(b, 1);
  }
  const kept = [...clusters].sort((x, y) => y.length - x.length || x[0] - y[0]).slice(0, max).sort((x, y) => x[0] - y[0]);
  // Share of each FAQ's phrasings that use a word.
  const shares = phrasings.map((texts) => {
    const counts = new Map<string, number>();
    for (const t of texts) for (const w of new Set(contentTokens(t))) counts.set(w, (counts.get(w) ?? 0) + 1);
    return new Map([...counts].map(([w, c]) => [w, c / texts.length]));
  });
  return kept.map((members) => {
    if (members.length === 1) return { label: entries[members[0]].label, members: [entries[members[0]]] };
    const inside = new Map<string, number>();
    for (const i of members) for (const [w, share] of shares[i]) inside.set(w, (inside.get(w) ?? 0) + share / members.length);
    let label = entries[members[0]].label;
    let bestScore = 0.15;
    for (const [word, share] of inside) {
      if (QUESTION_WORDS.has(word) || word.length < 3) continue;
      const others = shares.filter((_, i) => !members.includes(i));
      const outside = others.reduce((sum, m) => sum + (m.get(word) ?? 0), 0) / Math.max(1, others.length);
      if (share - outside > bestScore) [bestScore, label] = [share - outside, word];
    }
    return { label, members: members.map((i) => entries[i]) };
  });
}

/** Words that name no topic («how much», «how»), whatever their counts. */
const QUESTION_WORDS = new Set(['چقدر', 'چطور', 'چطوری', 'چگونه', 'چرا', 'کجا', 'کجاست', 'چیه', 'چیست', 'چند', 'کی', 'میخواهم', 'میخوام', 'خواهم', 'لطفا']);

function stemBag(texts: string[]): Map<string, number> {
  const bag = new Map<string, number>();
  for (const t of texts) for (const token of contentTokens(t)) bag.set(token, (bag.get(token) ?? 0) + 1);
  return bag;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, v] of a) {
    na += v * v;
    const w = b.get(k);
    if (w) dot += v * w;
  }
  for (const v of b.values()) nb += v * v;
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
