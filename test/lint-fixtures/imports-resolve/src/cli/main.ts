// Breaks imports-resolve: the import names a file that does not exist (it would escape every rule).
// @ts-expect-error -- the missing module is the point of this fixture
import { run } from '../adapter/sql/open-store.js';

export const main = () => run();
