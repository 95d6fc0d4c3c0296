/** Pipeline behind `lmstream demo`: not built yet. */
import { UserError } from '../src/cli/common.js';

export async function main(_argv: string[]): Promise<number> {
  throw new UserError('demo: not implemented yet', 2);
}
