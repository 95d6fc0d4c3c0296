/** Pipeline behind `lmstream train-stream`: not built yet. */
import { UserError } from '../src/cli/common.js';

export async function main(_argv: string[]): Promise<number> {
  throw new UserError('train-stream: not implemented yet', 2);
}
