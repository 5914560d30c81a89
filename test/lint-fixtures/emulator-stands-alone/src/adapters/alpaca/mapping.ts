export const toWireOrder = (qty: string) => ({ qty });
