export const step = (n: number) => n + 1;
