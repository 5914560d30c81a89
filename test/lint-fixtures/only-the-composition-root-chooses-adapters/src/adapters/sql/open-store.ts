export const openStore = (db: string) => ({ db });
