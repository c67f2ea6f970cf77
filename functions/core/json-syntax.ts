/** Where a JSON text stops being JSON: a 1-based line and column and what was expected there. */
export interface JsonSyntaxProblem {
  /** 0-based offset into the text (UTF-16 code units, like `String.prototype.slice`). */
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  /** What is wrong, in words that never quote the text (`expected ',' or '}'`). */
  readonly message: string;
}

const MAX_DEPTH = 512;

class Stop extends Error {
  constructor(
    readonly at: number,
    readonly why: string,
  ) {
    super(why);
  }
}

/**
 * The first syntax error of a JSON text, or undefined when `JSON.parse` would accept it. Unlike the
 * message of `JSON.parse`'s SyntaxError (which on Node 20 quotes the text around the error), the
 * result never contains any of the text: use it for files that hold secrets.
 *
 * @example
 * locateJsonSyntaxError('{"a": 1,}') // { offset: 8, line: 1, column: 9, message: 'expected a string (a property name)' }
 */
export function locateJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
      i++;
  };
  const fail = (why: string): never => {
    throw new Stop(i, i >= text.length ? `unexpected end of file (${why})` : why);
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('expected a value (a string, number, object, array, true, false or null)');
  };
  const digits = () => {
    const start = i;
    while (i < text.length && (text[i] ?? '') >= '0' && (text[i] ?? '') <= '9') i++;
    return i > start;
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (!digits()) fail('expected a digit');
    if (text[i] === '.') {
      i++;
      if (!digits()) fail('expected a digit after the decimal point');
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!digits()) fail('expected a digit in the exponent');
    }
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('a string is not closed with "');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('a control character (such as a line break) inside a string; escape it');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i++;
            fail('\\u must be followed by four hex digits');
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else {
          i++;
          fail('an unknown escape after \\ inside a string');
        }
      } else i++;
    }
  };
  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} levels deep`);
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string (a property name)');
        string();
        ws();
        if (text[i] !== ':') fail("expected ':' after the property name");
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else fail('expected a value (a string, number, object, array, true, false or null)');
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail('unexpected text after the end of the JSON value');
    return undefined;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    return { offset: err.at, ...lineAndColumn(text, err.at), message: err.why };
  }
}

/** 1-based line and column of an offset (lines end at \n; a \r\n counts once). */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
