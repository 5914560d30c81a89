export const fee = 0n;
