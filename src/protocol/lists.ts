// Property lists as the generator walks them: a valid prefix of 0..k entries for a block, then one bad
// entry at that position. The entries come from the property table alone (properties.ts).

import { lengthPrefixed, propertyBlock, propertyBytes, type PropertyValue, u16, varInt } from './encode.js';
import {
  allowedFromClient,
  PROPERTIES,
  type PropertyBlock,
  type PropertyDef,
  property,
  repeatableIn,
} from './properties.js';
import type { RuleId } from './rules.js';

/** A value of the property's type that the property allows (used in valid prefixes and duplicates). */
export function validValue(def: PropertyDef): PropertyValue {
  switch (def.type) {
    case 'byte':
      return def.name === 'payloadFormatIndicator' ? 0 : 1;
    case 'u16':
      return def.name === 'topicAlias' ? 1 : 10;
    case 'u32':
      return def.name === 'maximumPacketSize' ? 65536 : 10;
    case 'varint':
      return 1;
    case 'utf8':
      return def.name.endsWith('Topic') ? 'mqleak/response' : 'mqleak';
    case 'binary':
      return Buffer.from('mqleak');
    case 'pair':
      return ['mqleak', 'prefix'];
  }
}

/** The valid entries a prefix is made of, in order: user properties (repeatable) between the block's own single properties. */
export function validEntries(block: PropertyBlock, level5Safe: (def: PropertyDef) => boolean): Buffer[] {
  const single = PROPERTIES.filter(
    (def) => allowedFromClient(def, block) && !repeatableIn(def, block) && level5Safe(def),
  );
  const user = property('userProperty');
  const entries: Buffer[] = [];
  for (const def of single) {
    entries.push(propertyBytes(user, ['mqleak', `prefix-${entries.length}`]));
    entries.push(propertyBytes(def, validValue(def)));
  }
  entries.push(propertyBytes(user, ['mqleak', `prefix-${entries.length}`]));
  return entries;
}

export interface BadEntry {
  /** Short stable name for case ids. */
  name: string;
  words: string;
  rule: RuleId;
  /** The bad entry's bytes; `cutBlock`: the block's length stops inside it (a wrong length). */
  bytes: Buffer;
  /** Property whose single valid copy must be in the prefix for the entry to be a duplicate. */
  duplicates?: PropertyDef;
  /** The block's declared length is this many bytes more than what follows (the entry's value runs past the block). */
  overrun?: number;
}

const INVALID_UTF8 = Buffer.from([0xc3, 0x28]);
const NULL_CHAR = Buffer.from([0x61, 0x00, 0x62]);

/** Every bad entry the table admits for one block: not allowed here, duplicate, wrong value, wrong length, unknown id. */
export function badEntries(block: PropertyBlock): BadEntry[] {
  const bad: BadEntry[] = [];
  for (const def of PROPERTIES) {
    if (!allowedFromClient(def, block)) {
      bad.push({
        name: `not-allowed-${def.name}`,
        words: `${def.name} (0x${hex(def.id)}), which the table allows elsewhere but not in this block`,
        rule: 'propertyAllowedInBlock',
        bytes: propertyBytes(def, validValue(def)),
      });
      continue;
    }
    if (!repeatableIn(def, block)) {
      bad.push({
        name: `duplicate-${def.name}`,
        words: `a second ${def.name} (0x${hex(def.id)})`,
        rule: 'propertyOnce',
        bytes: propertyBytes(def, validValue(def)),
        duplicates: def,
      });
    }
    for (const value of def.invalidValues ?? []) {
      bad.push({
        name: `value-${def.name}-${value}`,
        words: `${def.name} = ${value}, a value of its type the property does not allow`,
        rule:
          def.name === 'topicAlias'
            ? 'topicAliasNonZero'
            : def.name === 'subscriptionIdentifier'
              ? 'subscriptionIdNonZero'
              : 'propertyValue',
        bytes: propertyBytes(def, value),
      });
    }
    if (def.type === 'utf8' || def.type === 'pair') {
      const value: PropertyValue = def.type === 'pair' ? [INVALID_UTF8, 'v'] : INVALID_UTF8;
      bad.push({
        name: `utf8-${def.name}`,
        words: `${def.name} holding bytes that are not UTF-8 (C3 28)`,
        rule: 'utf8WellFormed',
        bytes: propertyBytes(def, value),
      });
      const withNull: PropertyValue = def.type === 'pair' ? [NULL_CHAR, 'v'] : NULL_CHAR;
      bad.push({
        name: `null-${def.name}`,
        words: `${def.name} holding U+0000`,
        rule: 'utf8NoNull',
        bytes: propertyBytes(def, withNull),
      });
    }
    if (def.type === 'utf8' || def.type === 'binary' || def.type === 'pair') {
      // The string's own length says 200 bytes; 6 follow before the block ends.
      bad.push({
        name: `length-${def.name}`,
        words: `${def.name} whose length runs past the end of the property block`,
        rule: 'propertyLength',
        bytes: Buffer.concat([varInt(def.id), u16(200), Buffer.from('mqleak')]),
      });
    }
    if (def.type === 'u32' || def.type === 'u16') {
      bad.push({
        name: `short-${def.name}`,
        words: `${def.name} with its value cut to one byte by the block's length`,
        rule: 'propertyLength',
        bytes: Buffer.concat([varInt(def.id), Buffer.from([0])]),
      });
    }
    if (def.name === 'responseTopic') {
      bad.push({
        name: 'wildcard-responseTopic',
        words: 'responseTopic holding a wildcard (a/#)',
        rule: 'topicNameNoWildcards',
        bytes: propertyBytes(def, 'a/#'),
      });
    }
  }
  bad.push({
    name: 'unknown-0x7f',
    words: 'identifier 0x7F, which no property has',
    rule: 'propertyAllowedInBlock',
    bytes: Buffer.concat([varInt(0x7f), lengthPrefixed('mqleak')]),
  });
  bad.push({
    name: 'block-overrun',
    words: 'a property block length 100 bytes more than the packet holds',
    rule: 'propertyLength',
    bytes: Buffer.alloc(0),
    overrun: 100,
  });
  return bad;
}

/** The property block: `prefix` valid entries, then the bad one (a duplicate's first copy is in the prefix). */
export function blockWithBadEntry(block: PropertyBlock, prefixLength: number, entry: BadEntry): Buffer {
  const prefix = validEntries(block, () => true)
    .filter((bytes) => entry.duplicates === undefined || bytes[0] !== entry.duplicates.id)
    .slice(0, prefixLength);
  if (entry.duplicates !== undefined) prefix.push(propertyBytes(entry.duplicates, validValue(entry.duplicates)));
  const entries = [...prefix, entry.bytes];
  const length = entries.reduce((sum, bytes) => sum + bytes.length, 0);
  return propertyBlock(entries, entry.overrun === undefined ? undefined : length + entry.overrun);
}

function hex(value: number): string {
  return value.toString(16).padStart(2, '0');
}
