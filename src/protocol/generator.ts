// The deterministic walk: base cases from the families (families.ts), crossed with session, will,
// credentials and way of leaving, put in a seeded order per family. Same seed and options, same cases
// in the same order, on every machine.

import { type BaseCase, caseId, type Leave, type ProtocolCase, type SessionKind } from './cases.js';
import { generateFamilies } from './families.js';

export interface WalkOptions {
  /** Whether the run has credentials: CONNECT-phase cases then go both with and without them. */
  credentials: boolean;
  seed: number;
}

const SESSIONS: readonly SessionKind[] = ['clean', 'persistent'];
const WILLS: readonly boolean[] = [false, true];
const LEAVES: readonly Leave[] = ['disconnect', 'abrupt', 'silence'];

export interface Family {
  name: string;
  bases: BaseCase[];
  /** Crossed cases, in the seeded order the walk takes them. */
  cases: ProtocolCase[];
}

/** mulberry32: a small seeded generator, enough to shuffle deterministically. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

export function crossCases(base: BaseCase, options: WalkOptions): ProtocolCase[] {
  const credentialChoices: (boolean | null)[] = !options.credentials
    ? [null]
    : base.phase === 'connect'
      ? [true, false]
      : [null];
  const out: ProtocolCase[] = [];
  for (const session of base.sessions ?? SESSIONS)
    for (const will of base.wills ?? WILLS)
      for (const credentials of credentialChoices)
        for (const leave of base.leaves ?? LEAVES)
          out.push({
            id: caseId(base.id, session, will, credentials, leave),
            base,
            session,
            will,
            credentials: credentials ?? options.credentials,
            leave,
          });
  return out;
}

let cachedFamilies: Map<string, BaseCase[]> | null = null;

/** The base cases by family (generated once: they depend on the grammar only). */
export function baseFamilies(): Map<string, BaseCase[]> {
  cachedFamilies ??= generateFamilies();
  return cachedFamilies;
}

export function familyNames(): string[] {
  return [...baseFamilies().keys()];
}

/** One family's crossed cases in the seeded order. */
export function walkFamily(name: string, options: WalkOptions): Family {
  const bases = baseFamilies().get(name);
  if (bases === undefined) throw new Error(`no family ${name}`);
  const random = seeded(options.seed ^ hash(name));
  return {
    name,
    bases,
    cases: shuffle(
      bases.flatMap((base) => crossCases(base, options)),
      random,
    ),
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A selection: the families named, then (if any) only the cases named — a crossed case id or a base case id (all its crossings). */
export function selectWalk(options: WalkOptions, families: readonly string[], cases: readonly string[]): Family[] {
  const names = families.length === 0 ? familyNames() : [...families];
  const wanted = new Set(cases);
  const picked: Family[] = [];
  for (const name of names) {
    const family = walkFamily(name, options);
    const chosen =
      wanted.size === 0 ? family.cases : family.cases.filter((c) => wanted.has(c.id) || wanted.has(c.base.id));
    if (chosen.length > 0) picked.push({ ...family, cases: chosen });
  }
  return picked;
}

/** Names given that match nothing (an unknown family, or a case id that no family has). */
export function unknownNames(
  options: WalkOptions,
  families: readonly string[],
  cases: readonly string[],
): { families: string[]; cases: string[] } {
  const known = new Set(familyNames());
  const badFamilies = families.filter((name) => !known.has(name));
  if (cases.length === 0) return { families: badFamilies, cases: [] };
  const ids = new Set<string>();
  for (const name of familyNames())
    for (const item of walkFamily(name, options).cases) ids.add(item.id).add(item.base.id);
  return { families: badFamilies, cases: cases.filter((id) => !ids.has(id)) };
}
