// Breaks http-is-an-edge-of-the-app: a route borrows the CLI's store plumbing.
import { withStore } from '../cli/context.js';

export const route = () => withStore('./subledger.db');
