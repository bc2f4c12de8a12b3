import { systemClock } from '../../src/core/clock.js';
import { SimVenue } from '../../src/venue/sim-venue/sim-venue.js';
import { makeEngine, TestFlow, TRADER } from '../sim-server/support.js';
import { runVenueConformance } from './conformance.js';

runVenueConformance('SimVenue (in process)', async () => {
  const engine = makeEngine(systemClock, 11);
  const flow = new TestFlow(engine, 'BTC-USDT', 21);
  flow.seed(40);
  for (let i = 0; i < 200; i++) flow.step();
  const venue = new SimVenue({ engine, account: TRADER.accountId, reconnectDelayMs: 30 });
  return {
    venue,
    engine,
    account: TRADER.accountId,
    symbol: 'BTC-USDT',
    stepFlow: (n) => {
      for (let i = 0; i < n; i++) flow.step();
    },
    drop: () => venue.dropConnection('test'),
    close: () => venue.close(),
    eventsBeforeReply: true,
  };
});
