import { packageTests } from '../../vitest.shared.ts';

export default packageTests('reliability', ['src/**/*.test.ts']);
