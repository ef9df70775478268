/** Where the credits of one reservation come from. */
export interface Allocation {
  allowance: number;
  packs: { packId: string; amount: number }[];
}

export interface LivePack {
  id: string;
  remaining: number;
}

/**
 * Takes `amount` credits from the period's allowance first, then from packs in the order given
 * (oldest first). Returns null when everything together is not enough: nothing is taken.
 */
export function allocate(amount: number, allowance: number, packs: LivePack[]): Allocation | null {
  const fromAllowance = Math.min(amount, allowance);
  let rest = amount - fromAllowance;
  const fromPacks: Allocation["packs"] = [];
  for (const pack of packs) {
    if (rest === 0) break;
    const take = Math.min(rest, pack.remaining);
    if (take > 0) {
      fromPacks.push({ packId: pack.id, amount: take });
      rest -= take;
    }
  }
  if (rest > 0) return null;
  return { allowance: fromAllowance, packs: fromPacks };
}
