export const withStore = (db: string) => db;
