/** The tfjs backends lmstream can run, in order of preference (no tfjs import: usable when parsing options). */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
