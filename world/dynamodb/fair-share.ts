/**
 * Max-min fair sharing of a partition's throughput between the keys that live in it.
 *
 * Adaptive capacity isolates frequently accessed items, so a partition over its limit throttles
 * the heaviest keys first and keeps serving its light ones: keys asking less than an equal share
 * get all they ask, and what is left is split equally among the rest.
 */

export interface Claimant {
  /** Units per second the group asks for. */
  demand: number;
  /** How many keys the group stands for; each key is entitled to an equal share. */
  keyCount: number;
}

/** Units granted to each claimant, in input order; their sum never exceeds `capacity`. */
export function fairShare(claimants: readonly Claimant[], capacity: number): number[] {
  const total = claimants.reduce((sum, c) => sum + c.demand, 0);
  if (total <= capacity) return claimants.map((c) => c.demand);

  const order = claimants
    .map((claimant, index) => ({
      index,
      perKey: claimant.keyCount > 0 ? claimant.demand / claimant.keyCount : 0,
    }))
    .sort((a, b) => a.perKey - b.perKey);
  const granted: number[] = new Array<number>(claimants.length).fill(0);
  let remaining = capacity;
  let keysLeft = claimants.reduce((sum, c) => sum + c.keyCount, 0);
  for (const { index, perKey } of order) {
    const claimant = claimants[index] as Claimant;
    const level = keysLeft > 0 ? remaining / keysLeft : 0;
    const grant = perKey <= level ? claimant.demand : level * claimant.keyCount;
    granted[index] = grant;
    remaining -= grant;
    keysLeft -= claimant.keyCount;
  }
  return granted;
}
