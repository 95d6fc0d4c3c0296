/**
 * Seeded random numbers for the neural models (initialisation, dropout
 * masks): the project's mulberry32, whose single 32-bit state word is saved
 * with the optimiser state so that a resumed run draws the same dropout masks.
 */
export { Mulberry32 as NeuralRng } from '../mulberry32.js';
