/** Pipeline behind `lmstream tokenize`: not built yet. */
import { UserError } from '../src/cli/common.js';

export async function main(_argv: string[]): Promise<number> {
  throw new UserError('tokenize: not implemented yet', 2);
}
