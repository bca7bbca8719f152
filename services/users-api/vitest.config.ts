import { packageTests } from '../../vitest.shared.ts';

export default packageTests('users-api');
