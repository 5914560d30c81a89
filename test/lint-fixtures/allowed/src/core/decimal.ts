export const dec = (s: string) => BigInt(s);
