export const createSmtpMailer = (url: string) => ({ url });
