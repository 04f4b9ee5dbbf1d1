/**
 * The broker's built-in moves, one line each (docs/moves.md): links of its chain between meter and forward
 * (broker/chain.ts), the platform's defences (docs/privacy.md "Broker defences").
 * Moves that do not ship with sharebox come through SHAREBOX_MOVES (shared/moves/plugins.ts).
 */
import type { AnyMove } from '../../shared/moves/move';
import { outputNoise } from './output-noise';
import { timestepFloor } from './timestep-floor';
import { fineTuneCaps } from './fine-tune-caps';

export const BROKER_MOVES: readonly AnyMove[] = [
  outputNoise, // Gaussian noise on x̂₀, states and losses
  timestepFloor, // refuses queries at t < minTimestep
  fineTuneCaps, // refuses fine-tunes over the platform's caps (records, steps × batch, rank, learning rate, methods)
];
