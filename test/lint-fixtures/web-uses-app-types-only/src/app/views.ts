export const sleeveView = () => ({ cash: '0' });
