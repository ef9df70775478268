/**
 * The word-pair filter of a phrase query, for the `search_documents_pairs` index (see the
 * migration `2026_12_06_0002_search_phrases`: `contracts.search_pairs(vector)` holds every pair
 * of lexemes 1 to 3 positions apart as one lexeme `'<a> <distance> <b>'`).
 *
 * From the text of a parsed query (`websearch_to_tsquery(...)::text`, e.g.
 * `'limit' <2> 'liabil' & 'cap'`), builds a query over those pairs that every row matching the
 * query also matches: each phrase link `'a' <n> 'b'` with n ≤ 3 becomes `'a n b'`; anything it
 * cannot express (single words, negations, an alternative without a phrase) adds no condition.
 * So it only narrows the rows to recheck, never the results. Null when there is nothing to
 * narrow (no phrase), or the query text is not what it expects.
 */
export function phrasePairsFilter(tsquery: string): string | null {
  let tokens: Token[];
  try {
    tokens = tokenize(tsquery);
  } catch {
    return null;
  }
  const parser = new Parser(tokens);
  const node = parser.parse();
  if (!node) return null;
  return pairs(node);
}

/** How far apart (in positions) the words of an indexed pair may be; as in the migration. */
const MAX_DISTANCE = 3;
/** Longer pairs are not indexed; as in the migration. */
const MAX_PAIR_BYTES = 200;

type Token =
  | { kind: "lexeme"; value: string; plain: boolean }
  | { kind: "and" | "or" | "not" | "open" | "close" }
  | { kind: "phrase"; distance: number };

type Node =
  | { kind: "lexeme"; value: string; plain: boolean }
  | { kind: "not"; operand: Node }
  | { kind: "and" | "or"; operands: Node[] }
  | { kind: "phrase"; operands: Node[]; distances: number[] };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " ") {
      i++;
    } else if (c === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new Error("unterminated lexeme");
        const d = text[i]!;
        if (d === "\\" && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (d === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (d === "'") {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      // A prefix (`:*`) or weight (`:AB`) marker: the word is not matched as itself.
      let plain = true;
      if (text[i] === ":") {
        plain = false;
        i++;
        while (i < text.length && /[*A-Da-d]/.test(text[i]!)) i++;
      }
      tokens.push({ kind: "lexeme", value, plain });
    } else if (c === "&") {
      tokens.push({ kind: "and" });
      i++;
    } else if (c === "|") {
      tokens.push({ kind: "or" });
      i++;
    } else if (c === "!") {
      tokens.push({ kind: "not" });
      i++;
    } else if (c === "(") {
      tokens.push({ kind: "open" });
      i++;
    } else if (c === ")") {
      tokens.push({ kind: "close" });
      i++;
    } else if (c === "<") {
      const end = text.indexOf(">", i);
      if (end < 0) throw new Error("unterminated phrase operator");
      const inner = text.slice(i + 1, end);
      const distance = inner === "-" ? 1 : Number(inner);
      if (!Number.isInteger(distance) || distance < 0) throw new Error("bad phrase operator");
      tokens.push({ kind: "phrase", distance });
      i = end + 1;
    } else {
      throw new Error(`unexpected ${c}`);
    }
  }
  return tokens;
}

/** Precedence as in Postgres: `!`, then `<n>`, then `&`, then `|`. */
class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node | null {
    try {
      const node = this.or();
      return this.at === this.tokens.length ? node : null;
    } catch {
      return null;
    }
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private or(): Node {
    const operands = [this.and()];
    while (this.peek()?.kind === "or") {
      this.at++;
      operands.push(this.and());
    }
    return operands.length === 1 ? operands[0]! : { kind: "or", operands };
  }

  private and(): Node {
    const operands = [this.phrase()];
    while (this.peek()?.kind === "and") {
      this.at++;
      operands.push(this.phrase());
    }
    return operands.length === 1 ? operands[0]! : { kind: "and", operands };
  }

  private phrase(): Node {
    const operands = [this.unary()];
    const distances: number[] = [];
    for (let token = this.peek(); token?.kind === "phrase"; token = this.peek()) {
      this.at++;
      distances.push(token.distance);
      operands.push(this.unary());
    }
    return operands.length === 1 ? operands[0]! : { kind: "phrase", operands, distances };
  }

  private unary(): Node {
    const token = this.tokens[this.at++];
    if (!token) throw new Error("unexpected end");
    if (token.kind === "not") return { kind: "not", operand: this.unary() };
    if (token.kind === "lexeme") return token;
    if (token.kind === "open") {
      const node = this.or();
      if (this.tokens[this.at++]?.kind !== "close") throw new Error("missing )");
      return node;
    }
    throw new Error(`unexpected ${token.kind}`);
  }
}

/** The pair condition a node implies, or null for none. */
function pairs(node: Node): string | null {
  switch (node.kind) {
    case "lexeme":
    case "not":
      return null;
    case "and": {
      const parts = node.operands.map(pairs).filter((p): p is string => p !== null);
      return parts.length === 0 ? null : `(${parts.join(" & ")})`;
    }
    case "or": {
      const parts = node.operands.map(pairs);
      if (parts.some((p) => p === null)) return null;
      return `(${parts.join(" | ")})`;
    }
    case "phrase": {
      // `(a <1> b) <2> c`: each link joins the last word on its left and the first on its right.
      const parts = node.operands.map(pairs).filter((p): p is string => p !== null);
      node.distances.forEach((distance, i) => {
        const left = node.operands[i]!;
        const right = node.operands[i + 1]!;
        if (
          left.kind === "lexeme" &&
          right.kind === "lexeme" &&
          left.plain &&
          right.plain &&
          distance >= 1 &&
          distance <= MAX_DISTANCE &&
          Buffer.byteLength(left.value) + Buffer.byteLength(right.value) <= MAX_PAIR_BYTES
        ) {
          parts.push(quote(`${left.value} ${distance} ${right.value}`));
        }
      });
      return parts.length === 0 ? null : `(${parts.join(" & ")})`;
    }
  }
}

/** A lexeme in tsquery text: quoted, with quotes doubled and backslashes escaped. */
function quote(lexeme: string): string {
  return `'${lexeme.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}
