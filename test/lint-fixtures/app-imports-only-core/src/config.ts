export const config = { seed: 7 };
