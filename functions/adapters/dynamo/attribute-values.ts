import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** An item in DynamoDB's wire form (`{ S: … }`, `{ N: … }`, …), ready for the low-level client. */
export type MarshalledItem = Record<string, AttributeValue>;

/**
 * The wire form of an item of plain data (strings, numbers, bigints, booleans, null, plain objects
 * and arrays; `undefined` dropped), as `@aws-sdk/util-dynamodb`'s `marshall(item,
 * { removeUndefinedValues: true })` gives it (test/unit/store/attribute-values.test.ts holds them
 * equal). Ingest marshals every line once, when the day is read, instead of the document client
 * marshalling it generically on send: on bench:ingest's day of 85,000 lines that generic walk was
 * ~2 s of the CPU the process shares with DynamoDB, and a marshalled line spills to scratch as plain
 * JSON (no bigint reviver to read it back).
 */
export function toAttributeValues(item: Readonly<Record<string, unknown>>): MarshalledItem {
  return mapOf(item, '');
}

// Paths are for error messages only: built for nested values, not for every attribute of every line.
const joined = (parent: string, key: string | number) =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

function mapOf(obj: Readonly<Record<string, unknown>>, path: string): MarshalledItem {
  const out: MarshalledItem = {};
  for (const key of Object.keys(obj)) {
    const value = attributeValueOf(obj[key], path, key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function attributeValueOf(v: unknown, parent: string, key: string | number): AttributeValue | undefined {
  switch (typeof v) {
    case 'string':
      return { S: v };
    case 'bigint':
      return { N: v.toString() };
    case 'number':
      // As marshall: a number that cannot be stored exactly is refused, not rounded.
      if (!Number.isFinite(v) || (Number.isInteger(v) && !Number.isSafeInteger(v)))
        throw new TypeError(`${joined(parent, key)}: ${v} cannot be stored exactly as a DynamoDB number`);
      return { N: v.toString() };
    case 'boolean':
      return { BOOL: v };
    case 'undefined':
      return undefined;
    case 'object': {
      if (v === null) return { NULL: true };
      const path = joined(parent, key);
      if (Array.isArray(v))
        return {
          L: v.flatMap((x, i) => {
            const value = attributeValueOf(x, path, i);
            return value === undefined ? [] : [value];
          }),
        };
      const proto = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null)
        return { M: mapOf(v as Record<string, unknown>, path) };
      break;
    }
  }
  throw new TypeError(
    `${joined(parent, key)}: ${Object.prototype.toString.call(v)} is not plain data this writer stores`,
  );
}
