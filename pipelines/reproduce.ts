/** Pipeline behind `lmstream reproduce`: not built yet. */
import { UserError } from '../src/cli/common.js';

export async function main(_argv: string[]): Promise<number> {
  throw new UserError('reproduce: not implemented yet', 2);
}
