/**
 * Turns clause text into the sparse tf-idf features of the clause classifier: lower-cased word
 * stems without stop words, as unigrams and bigrams. Pure functions, shared by training and
 * prediction so both see exactly the same features.
 */

const STOP_WORDS = new Set(
  (
    "a an and any are as at be been being by for from has have hereby herein hereof hereunder " +
    "if in into is it its of on or other such than that the their then there these this those " +
    "thereof to under upon was were which will with shall may must would should can each either " +
    "all no not only its our we you he she they them his her after before during within without " +
    "do does done so also per via out up off over more most same own both one"
  ).split(" "),
);

/** A light suffix stripper: enough to fold plurals and verb forms together. */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  if (word.endsWith("ies") && word.length > 5) return word.slice(0, -3) + "y";
  if (word.endsWith("ied") && word.length > 5) return word.slice(0, -3) + "y";
  if (word.endsWith("ing") && word.length > 6) return word.slice(0, -3);
  if (word.endsWith("edly") && word.length > 7) return word.slice(0, -4);
  if (word.endsWith("ed") && word.length > 5) return word.slice(0, -2);
  if (word.endsWith("es") && word.length > 5 && /(ss|x|ch|sh)es$/.test(word))
    return word.slice(0, -2);
  if (word.endsWith("s") && !word.endsWith("ss") && !word.endsWith("us")) return word.slice(0, -1);
  return word;
}

export function tokenize(text: string): string[] {
  const words = text
    .toLowerCase()
    .replace(/['’]s\b/g, "")
    .split(/[^a-z]+/);
  const tokens: string[] = [];
  for (const word of words) {
    if (word.length < 2 || STOP_WORDS.has(word)) continue;
    tokens.push(stem(word));
  }
  return tokens;
}

/** Unigrams and bigrams of the tokens, with their counts. */
export function termCounts(text: string): Map<string, number> {
  const tokens = tokenize(text);
  const counts = new Map<string, number>();
  const add = (term: string) => counts.set(term, (counts.get(term) ?? 0) + 1);
  for (let i = 0; i < tokens.length; i++) {
    add(tokens[i]!);
    if (i + 1 < tokens.length) add(`${tokens[i]} ${tokens[i + 1]}`);
  }
  return counts;
}

export interface SparseVector {
  indices: number[];
  values: number[];
}

/** Sublinear tf × idf over a fixed vocabulary, L2-normalised. Unknown terms are dropped. */
export function tfidfVector(
  text: string,
  vocabulary: ReadonlyMap<string, number>,
  idf: readonly number[],
): SparseVector {
  const indices: number[] = [];
  const values: number[] = [];
  for (const [term, count] of termCounts(text)) {
    const index = vocabulary.get(term);
    if (index === undefined) continue;
    indices.push(index);
    values.push((1 + Math.log(count)) * idf[index]!);
  }
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0)) || 1;
  return { indices, values: values.map((v) => v / norm) };
}
