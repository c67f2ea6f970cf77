import { describe, expect, it } from 'vitest';
import { lineAndColumn, locateJsonSyntaxError } from '../../../functions/core/json-syntax.js';
import { mulberry32 } from '../../../functions/core/random.js';

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('locateJsonSyntaxError', () => {
  it.each([
    ['{"a": 1,}', 1, 9, /property name/],
    ['{\n  "k": "v"\n  "j": 2\n}', 3, 3, /expected ',' or '}'/],
    ['{"k": sk-live}', 1, 7, /expected a value/],
    ['{"k": "line\nbreak"}', 1, 12, /control character/],
    ['{"k": "open', 1, 12, /end of file.*not closed/],
    ['[1, 2', 1, 6, /end of file/],
    ['{"a": 1} {"b": 2}', 1, 10, /after the end/],
    ['', 1, 1, /end of file/],
    ['{"a": "\\x"}', 1, 9, /unknown escape/],
    ['{"a": -}', 1, 8, /digit/],
  ])('%j: line %i, column %i', (text, line, column, message) => {
    const problem = locateJsonSyntaxError(text);

    expect(problem).toMatchObject({ line, column });
    expect(problem?.message).toMatch(message);
  });

  it('accepts what JSON.parse accepts', () => {
    for (const text of [
      '{}',
      '[]',
      '0',
      '-0.5e+3',
      '"\\u00e9\\n"',
      ' {"a": [true, false, null, {"b": 1}]} ',
    ]) {
      expect(locateJsonSyntaxError(text), text).toBeUndefined();
    }
  });

  it('agrees with JSON.parse on thousands of damaged files (one character dropped, doubled or replaced)', () => {
    // Prepare: a secrets-like file and a seeded random source
    const base = JSON.stringify(
      { 'burnwatch/a': 'sk-ant-admin01-x_y', 'b/c': '\\"q"', n: [1, -2.5e3, true, null] },
      null,
      2,
    );
    const random = mulberry32(13);
    const alphabet = '{}[]":,-.e0123456789tfn \n\\u';
    for (let k = 0; k < 3000; k++) {
      const at = Math.floor(random() * base.length);
      const c = alphabet[Math.floor(random() * alphabet.length)] ?? ' ';
      const op = k % 3;
      const text =
        op === 0
          ? base.slice(0, at) + base.slice(at + 1)
          : op === 1
            ? base.slice(0, at) + c + base.slice(at)
            : base.slice(0, at) + c + base.slice(at + 1);
      // Act
      const problem = locateJsonSyntaxError(text);
      // Assess
      expect(problem === undefined, text).toBe(parses(text));
    }
  });

  it('stops at a nesting depth instead of overflowing the stack', () => {
    expect(locateJsonSyntaxError('['.repeat(100_000))?.message).toMatch(/nested more than 512/);
  });
});

describe('lineAndColumn', () => {
  it('counts \\r\\n line ends once', () => {
    expect(lineAndColumn('a\r\nbc', 4)).toEqual({ line: 2, column: 2 });
  });
});
