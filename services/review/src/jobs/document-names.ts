/** A safe base for a generated file's name, from the contract's title. */
export function fileBase(title: string | undefined): string {
  const base = (title ?? "")
    // eslint-disable-next-line no-control-regex
    .replace(/[\\/:*?"<>|\u0000-\u001f]+/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 120);
  return base || "contract";
}
