// Breaks engine-reaches-only-the-app: the engine picks the paper broker itself.
import { PaperBroker } from '../adapters/paper/paper-broker.js';

export const broker = new PaperBroker();
