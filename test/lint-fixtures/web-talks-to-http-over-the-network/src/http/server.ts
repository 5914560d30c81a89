export const buildServer = () => ({});
