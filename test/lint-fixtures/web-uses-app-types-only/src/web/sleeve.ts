// Breaks web-uses-app-types-only: the dashboard runs the app's code, not just its JSON shapes.
import { sleeveView } from '../app/views.js';

export const render = () => sleeveView();
