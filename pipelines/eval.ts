/** Pipeline behind `lmstream eval`: not built yet. */
import { UserError } from '../src/cli/common.js';

export async function main(_argv: string[]): Promise<number> {
  throw new UserError('eval: not implemented yet', 2);
}
