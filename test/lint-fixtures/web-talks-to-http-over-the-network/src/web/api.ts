// Breaks web-talks-to-http-over-the-network: the dashboard builds the server instead of calling it.
import { buildServer } from '../http/server.js';

export const api = buildServer();
