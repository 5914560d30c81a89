/**
 * The gateway's account and positions answers are kept serialized between commits by the app's
 * `ReadyViews` (src/app/ready-views.ts), shared with the REST API's read routes.
 */
export { ReadyViews } from '../app/ready-views.js';
