/** Jest setup: the built-in moves registered as the runner registers them (cli/moves.ts), for tests that parse scenarios. */
import { registerBuiltInMoves } from '../../cli/moves';

registerBuiltInMoves();
