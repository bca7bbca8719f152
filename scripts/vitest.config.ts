import { packageTests } from '../vitest.shared.ts';

// needs the built bins (dist/): the test command builds first
export default packageTests('scripts', ['*.test.ts']);
