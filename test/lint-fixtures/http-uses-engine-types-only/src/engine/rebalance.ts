export const runRebalance = () => 'done';
